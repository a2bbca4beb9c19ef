"""The result of an assignment solve, shared by the optimal model and the greedy baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rebook.domain.model import Cabin

from .affected import Affected
from .candidate import Candidate


@dataclass(frozen=True, slots=True)
class SubGroup:
    """Passengers of a split group who travel together on ``candidate`` (priced for them)."""

    passenger_ids: tuple[str, ...]
    candidate: Candidate


@dataclass(frozen=True, slots=True)
class Solution:
    """Per record locator the chosen candidate (``None``: refund-or-agent offer).

    ``objective`` and ``lower_bound`` are in the carrier's money (``costs``; the bound is over
    plans that keep every party whole, capped at ``objective`` when a split beats it); ``gap`` is
    (objective - bound) / objective; ``deadline_hit`` says the wall-clock safety net cut the
    solve short (the plan may then depend on machine load); ``limits_hit`` names every limit
    that was reached (``lp-iterations``, ``mip-nodes``, ``ejection-attempts``, ``wall-clock``);
    ``phases`` are the seconds spent per phase.
    """

    assignment: Mapping[str, Candidate | None]
    objective: float
    lower_bound: float
    gap: float
    wall_s: float
    method: str
    deadline_hit: bool
    limits_hit: tuple[str, ...] = ()
    phases: Mapping[str, float] = field(default_factory=dict)
    # Large groups split across flights (record locator → its sub-groups); such a booking's
    # ``assignment`` is None and ``objective`` includes the split's cost (``split.split_groups``).
    splits: Mapping[str, tuple[SubGroup, ...]] = field(default_factory=dict)
    # Per (leg, cabin), the LP's price of a seat (its dual; absent: 0): ``priced_bound`` makes
    # a valid lower bound of them for any candidates, without solving the LP again.
    seat_prices: Mapping[tuple[str, Cabin], float] = field(default_factory=dict)

    @property
    def unaccommodated(self) -> int:
        return sum(1 for k, c in self.assignment.items() if c is None and k not in self.splits)


def seats_left(
    solution: Solution, affected: Sequence[Affected], avail: Mapping[tuple[str, Cabin], int]
) -> dict[tuple[str, Cabin], int]:
    """Seats left once every primary (and every sub-group of a split group) is placed."""
    left = dict(avail)
    for a in affected:
        chosen = solution.assignment.get(a.booking.record_locator)
        for seg in chosen.segments if chosen else ():
            left[(seg.leg_id, seg.cabin)] -= a.booking.party_size
    for parts in solution.splits.values():
        for part in parts:
            for seg in part.candidate.segments:
                left[(seg.leg_id, seg.cabin)] -= len(part.passenger_ids)
    return left


# Taking away seats a party already holds is as bad as leaving this many parties stranded:
# the model may move a held party to a better itinerary but never drops it.
HELD_NO_OPTION_FACTOR = 100.0


def no_option_cost(a: Affected, no_option: Mapping[str, float]) -> float:
    """What leaving a booking without a seat costs (``CandidateBuilder.no_option_costs``:
    refund, goodwill, compensation, lost time); a held party's seats are never taken away."""
    return no_option[a.booking.record_locator] * (HELD_NO_OPTION_FACTOR if a.held else 1.0)


def objective_of(
    assignment: Mapping[str, Candidate | None], affected: Sequence[Affected], no_option: Mapping[str, float]
) -> float:
    total = 0.0
    for a in affected:
        chosen = assignment.get(a.booking.record_locator)
        total += chosen.cost if chosen is not None else no_option_cost(a, no_option)
    return total


def relaxed_bound(
    affected: Sequence[Affected], candidates: Mapping[str, Sequence[Candidate]], no_option: Mapping[str, float]
) -> float:
    """A valid lower bound ignoring capacity: everyone gets their cheapest option."""
    total = 0.0
    for a in affected:
        options = candidates.get(a.booking.record_locator, ())
        total += min([c.cost for c in options] + [no_option_cost(a, no_option)])
    return total


def priced_bound(
    affected: Sequence[Affected],
    candidates: Mapping[str, Sequence[Candidate]],
    avail: Mapping[tuple[str, Cabin], int],
    prices: Mapping[tuple[str, Cabin], float],
    no_option: Mapping[str, float],
) -> float:
    """A valid lower bound with seats priced instead of counted (the Lagrangian relaxation of
    the seat rows): each booking at its cheapest option with ``prices`` added per seat it takes,
    or no seat, less what all priced seats are worth.  Any prices ≥ 0 give a bound; the LP's own
    give its optimum for the candidates it had and bound any wider candidate set.  Options that
    need more seats than a flight has are left out (no plan can use them)."""
    total = -sum(price * avail.get(lc, 0) for lc, price in prices.items())
    for a in affected:
        party = a.booking.party_size
        best = no_option_cost(a, no_option)
        for c in candidates.get(a.booking.record_locator, ()):
            seats = [(s.leg_id, s.cabin) for s in c.segments]
            if all(avail.get(lc, 0) >= party for lc in seats):
                best = min(best, c.cost + party * sum(prices.get(lc, 0.0) for lc in seats))
        total += best
    return total


def relative_gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= 1e-9 else max(0.0, (objective - bound) / objective)

"""The result of an assignment solve, shared by the optimal model and the greedy baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .affected import Affected
from .candidates import Candidate


@dataclass(frozen=True, slots=True)
class Solution:
    """Per record locator the chosen candidate (``None``: refund-or-agent offer).

    ``objective`` and ``lower_bound`` are in the carrier's money (``costs``); ``gap`` is
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

    @property
    def unaccommodated(self) -> int:
        return sum(1 for c in self.assignment.values() if c is None)


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


def relative_gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= 1e-9 else max(0.0, (objective - bound) / objective)

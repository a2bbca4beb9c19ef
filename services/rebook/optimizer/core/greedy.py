"""The rebooking most airlines still run: by priority, then the next available flight."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rebook.domain.model import Cabin

from .affected import Affected
from .candidate import Candidate
from .settings import OptimizerSettings
from .solution import Solution, objective_of, relative_gap, relaxed_bound

if TYPE_CHECKING:
    from .candidates import CandidateBuilder


def solve_greedy(
    affected: Sequence[Affected],
    candidates: Mapping[str, Sequence[Candidate]],
    availability: Mapping[tuple[str, Cabin], int],
    settings: OptimizerSettings,
    no_option: Mapping[str, float],
    builder: CandidateBuilder | None = None,
) -> Solution:
    """Highest priority first; each booking takes its earliest-arriving candidate with seats left.

    With ``builder`` the booking is not limited to its K candidates: it takes the earliest
    arriving itinerary of the whole network that still has seats (the honest airline baseline).
    Parties that already hold seats (``Affected.held``) go first and keep them (their
    candidates always include what they hold), so this plan is always feasible for them."""
    start = time.perf_counter()
    left = dict(availability)
    order = sorted(
        affected, key=lambda a: (not a.held, -a.weight / a.booking.party_size, a.ready, a.booking.record_locator)
    )
    assignment: dict[str, Candidate | None] = {}
    for a in order:
        party = a.booking.party_size
        options = sorted(candidates.get(a.booking.record_locator, ()), key=lambda c: (c.arrival, c.cost))
        if a.held:  # what it holds first: no held party may lose its seats to another's improvement
            options.sort(key=lambda c: c.segments != a.held)
        chosen = next((c for c in options if all(left.get((s.leg_id, s.cabin), 0) >= party for s in c.segments)), None)
        if builder is not None and not a.held:
            found = builder.next_available(a, left)
            if found is not None and (chosen is None or (found.arrival, found.cost) < (chosen.arrival, chosen.cost)):
                chosen = found
        if chosen is not None:
            for s in chosen.segments:
                left[(s.leg_id, s.cabin)] -= party
        assignment[a.booking.record_locator] = chosen
    objective = objective_of(assignment, affected, no_option)
    bound = relaxed_bound(affected, candidates, no_option)
    return Solution(
        assignment,
        objective,
        bound,
        relative_gap(objective, bound),
        time.perf_counter() - start,
        "greedy",
        False,
    )

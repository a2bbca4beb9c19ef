"""Large groups split across flights, as a last resort.

A party of at least ``OptimizerSettings.group_split_min_party`` passengers (a group, as the
airlines' group desks count them) may travel as up to ``group_split_max_parts`` sub-groups,
each whole on its own itinerary, in the seats everybody else's plan left.  A split is kept
only when its sub-groups' costs plus ``CostSettings.split_group`` per extra sub-group are below
what the group costs whole (its option, or having no seat), so a group is split only when that
seats passengers who would have none or saves more than the split costs.  Families and small
parties are never split; nor is a group that already holds seats (it keeps them whole).

Runs after the whole-party solve (``widening.solve_widening``); the greedy baseline keeps groups
whole, and a split only ever lowers the objective, so the plan stays no worse than greedy.
Deterministic: groups without a seat first, then by record locator; itineraries by arrival;
passengers in booking order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from rebook.domain.model import Cabin

from .affected import Affected
from .candidate import Candidate
from .candidates import CandidateBuilder
from .costs import split_cost
from .settings import OptimizerSettings
from .solution import Solution, SubGroup, no_option_cost, relative_gap, seats_left

_EPS = 1e-6


def split_groups(
    affected: Sequence[Affected],
    builder: CandidateBuilder,
    solution: Solution,
    avail: Mapping[tuple[str, Cabin], int],
    settings: OptimizerSettings,
    no_option: Mapping[str, float],
) -> Solution:
    """``solution`` with the groups split that are cheaper split (see the module docstring)."""
    groups = [a for a in affected if settings.splittable(a.booking.party_size) and not a.held]
    if not groups:
        return solution
    assignment = dict(solution.assignment)
    splits = dict(solution.splits)
    left = seats_left(solution, affected, avail)
    objective = solution.objective
    groups.sort(key=lambda a: (assignment.get(a.booking.record_locator) is not None, a.booking.record_locator))
    for a in groups:
        locator, party = a.booking.record_locator, a.booking.party_size
        whole = assignment.get(locator)
        _move(left, whole, party, +1)  # its own seats are free for its sub-groups
        parts = builder.split(a, left, settings.group_split_max_parts)
        now_cost = whole.cost if whole is not None else no_option_cost(a, no_option)
        cost = sum(c.cost for _, c in parts) + split_cost(builder.journey(a).costs, len(parts))
        if len(parts) > 1 and cost < now_cost - _EPS:
            splits[locator] = _sub_groups(a, parts)
            assignment[locator] = None
            objective += cost - now_cost
            for part in splits[locator]:
                _move(left, part.candidate, len(part.passenger_ids), -1)
        else:
            _move(left, whole, party, -1)
    if len(splits) == len(solution.splits):
        return solution
    bound = min(solution.lower_bound, objective)  # the bound is over whole parties
    return replace(
        solution,
        assignment=assignment,
        splits=splits,
        objective=objective,
        lower_bound=bound,
        gap=relative_gap(objective, bound),
        method=f"{solution.method}+split",
    )


def _move(left: dict[tuple[str, Cabin], int], c: Candidate | None, seats: int, sign: int) -> None:
    for seg in c.segments if c is not None else ():
        key = (seg.leg_id, seg.cabin)
        left[key] = left.get(key, 0) + sign * seats


def _sub_groups(a: Affected, parts: Sequence[tuple[int, Candidate]]) -> tuple[SubGroup, ...]:
    """The passengers, in booking order, counted off into the parts."""
    ids = [p.passenger_id for p in a.booking.passengers]
    out, start = [], 0
    for size, c in parts:
        out.append(SubGroup(tuple(ids[start : start + size]), c))
        start += size
    return tuple(out)

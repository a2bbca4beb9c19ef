"""The reassignment model: each booking gets at most one option, seats per (leg, cabin) hold.

Chosen by measurement: CP-SAT and HiGHS's branch and bound are far too slow on this
assignment at meltdown size (HiGHS took 26 s to reach the optimum of the 10k meltdown, SCIP
50 s), while its LP relaxation is tight (that optimum is 0.33 % above the LP bound) and takes
a fraction of a second.  So the solve is, per independent component:

1. bookings with identical options and party size are aggregated into one integer count;
2. if everyone's cheapest option fits, that is optimal and no solver runs;
3. otherwise HiGHS solves the LP relaxation (the lower bound), and the plan is rounded from it
   parties first (``_round``): parties of two or more claim seats on their LP options, largest
   first, then a second LP places everyone else in what is left, and a greedy repair and local
   moves place the last fractions;
4. only if the gap is still above target and the component is small, a HiGHS MIP runs, and
   its answer is used only when proven optimal;
5. an ejection search moves small parties to their other options to free room for a party
   left without a seat (or on a dear option), whenever that lowers the total cost.

Determinism: every phase is bounded by work, not time (simplex iterations, HiGHS nodes, ejection
attempts: ``OptimizerSettings.lp_max_iterations``, ``mip_max_nodes``, ``ejection_max_attempts``),
so the same input gives the same plan on any machine.  The wall-clock ``time_limit_s`` stays as
a safety net; when it fires the plan may depend on load and ``Solution.limits_hit`` says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .affected import Affected
from .candidate import Candidate
from .component_lp import ComponentArrays, build, option_values
from .ejection import eject
from .greedy import solve_greedy
from .groups import Group, LegCabin, components, cost_of, expand, fits, improve, make_groups, repair, residual, take
from .linear import Stop, solve_linear
from .settings import OptimizerSettings
from .solution import Solution, objective_of, relative_gap

_TOL = 1e-6
# Rounds of "parties claim seats, an LP places the rest" (``_round``): on the 10k meltdown a
# second pass took the gap from 1.10 % to 0.65 % for one more LP.
PARTY_PASSES = 2


@dataclass(slots=True)
class _Result:
    counts: list[list[int]]  # per group, units on each option
    bound: float
    method: str
    seat_prices: Mapping[LegCabin, float] = field(default_factory=dict)  # the first LP's (``Solution``)


@dataclass(slots=True)
class _Work:
    """The limits of one solve and what it spent: seconds per phase, limits that were hit."""

    settings: OptimizerSettings
    deadline: float
    phases: dict[str, float] = field(default_factory=dict)
    limits_hit: set[str] = field(default_factory=set)
    _arrays: tuple[list[Group], ComponentArrays] | None = None

    def arrays(self, groups: list[Group]) -> ComponentArrays:
        """The component's arrays, flattened once for all its LPs."""
        if self._arrays is None or self._arrays[0] is not groups:
            self._arrays = (groups, ComponentArrays.of(groups))
        return self._arrays[1]

    def spent(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - since
        return now


def solve(
    affected: Sequence[Affected],
    candidates: Mapping[str, Sequence[Candidate]],
    availability: Mapping[LegCabin, int],
    settings: OptimizerSettings,
    no_option: Mapping[str, float],
    *,
    memo: dict[tuple[Any, ...], Any] | None = None,
) -> Solution:
    """Deadline-bounded, deterministic assignment; ``settings.solver`` picks model or greedy.
    ``no_option``: per record locator, the cost of leaving it without a seat.  ``memo`` keeps
    each component's result across solves of one plan (same ``availability``): a component
    whose bookings and options did not change is not solved again."""
    if settings.solver == "greedy":
        return solve_greedy(affected, candidates, availability, settings, no_option)
    start = time.perf_counter()
    work = _Work(settings, start + settings.time_limit_s)
    groups = make_groups(affected, candidates, no_option)
    assignment: dict[str, Candidate | None] = {}
    prices: dict[LegCabin, float] = {}
    bound, methods = 0.0, set()
    for component in components(groups):
        key = _component_key(component) if memo is not None else ()
        result: _Result | None = memo.get(key) if memo is not None else None
        if result is None:
            result = _solve_component(component, availability, work)
            if memo is not None:
                memo[key] = result
        bound += result.bound
        prices.update(result.seat_prices)
        methods.add(result.method)
        assignment.update(expand(component, result.counts))
    if settings.ejection_max_attempts:  # 0: the caller ejects once, on the plan it keeps
        since = time.perf_counter()
        moved = eject(affected, candidates, availability, assignment, no_option, settings.ejection_max_attempts)
        work.spent("ejection", since)
        assignment = moved.assignment
        if moved.moves:
            methods.add("ejection")
        if moved.exhausted:
            work.limits_hit.add("ejection-attempts")
    objective = objective_of(assignment, affected, no_option)
    bound = min(bound, objective)  # float noise must not report a negative gap
    method = "+".join(sorted(methods)) or "empty"
    return Solution(
        assignment,
        objective,
        bound,
        relative_gap(objective, bound),
        time.perf_counter() - start,
        method,
        "wall-clock" in work.limits_hit,
        tuple(sorted(work.limits_hit)),
        dict(work.phases),
        seat_prices=prices,
    )


def _component_key(groups: list[Group]) -> tuple[Any, ...]:
    """What a component's result depends on besides the seats: who, and with which options."""
    return tuple(
        (tuple(a.booking.record_locator for a in g.members), tuple(o.segments for o in g.options), g.party)
        for g in groups
    )


def _solve_component(groups: list[Group], avail: Mapping[LegCabin, int], work: _Work) -> _Result:
    first = [[g.size if j == 0 else 0 for j in range(len(g.options))] for g in groups]
    if fits(groups, first, avail):
        return _Result(first, cost_of(groups, first), "trivial")
    empty = [[0] * len(g.options) for g in groups]
    since = time.perf_counter()
    lp = _solve_linear(groups, empty, avail, work, integer=False)
    since = work.spent("lp", since)
    if lp is None:  # out of work or time: keep going with the baseline rather than nothing
        counts = repair(groups, empty, avail)
        work.spent("repair", since)
        return _Result(counts, _cheapest_bound(groups), "greedy-fallback")
    values, lp_bound, prices = lp
    counts, method = _round(groups, values, avail, work)
    small = sum(len(g.options) for g in groups) <= work.settings.mip_max_variables
    if relative_gap(cost_of(groups, counts), lp_bound) <= work.settings.target_gap or not small:
        return _Result(counts, lp_bound, method, prices)
    since = time.perf_counter()
    mip = _solve_linear(groups, empty, avail, work, integer=True)
    work.spent("mip", since)
    if mip is None:
        return _Result(counts, lp_bound, method, prices)
    values, mip_bound, _ = mip
    return _Result([[round(v) for v in row] for row in values], max(lp_bound, mip_bound), "mip", prices)


def _round(
    groups: list[Group], values: list[list[float]], avail: Mapping[LegCabin, int], work: _Work
) -> tuple[list[list[int]], str]:
    """An integer plan from the LP's, parties first, then everyone else by a second LP.

    The relaxation packs fractions of parties into the last seats of a flight; rounding those
    down leaves seats no whole party fits.  Measured on the 10k meltdown, the optimum seats
    more parties and strands more single travellers than any rounding of the LP (a single
    fills any seat, a party of four needs four on one flight).  So parties claim seats first,
    largest first, on the options the LP gave them (rounded up where seats remain), and an LP
    over everyone else places them around the parties; that is done twice (``PARTY_PASSES``),
    since the second LP moves the parties that found no seat to other options.  Its few
    fractions are repaired greedily."""
    since = time.perf_counter()
    parties: list[list[int]] = [[0] * len(g.options) for g in groups]
    rest: tuple[list[list[float]], float] = (values, 0.0)
    for _ in range(PARTY_PASSES):
        more = _parties_first(groups, rest[0], avail, parties)
        since = work.spent("repair", since)
        again = _solve_linear(groups, more, avail, work, integer=False)
        since = work.spent("lp", since)
        if again is None:
            break
        parties, rest = more, again[:2]
    if rest[0] is values:  # not even one pass: the LP's plan rounded down
        counts, method = [[math.floor(v + _TOL) for v in row] for row in values], "lp-round"
    else:
        counts = [
            [p + math.floor(v + _TOL) for p, v in zip(pr, vr, strict=True)]
            for pr, vr in zip(parties, rest[0], strict=True)
        ]
        method = "lp-parties-first"
    counts = repair(groups, improve(groups, repair(groups, counts, avail), avail), avail)
    work.spent("repair", since)
    return counts, method


def _parties_first(
    groups: list[Group], values: list[list[float]], avail: Mapping[LegCabin, int], placed: list[list[int]]
) -> list[list[int]]:
    """``placed`` plus units of parties of two or more on the options ``values`` gives them
    (the LP's, on top of ``placed``), each positive value rounded up while seats remain, the
    largest parties first (then the highest priority per seat)."""
    counts = [list(row) for row in placed]
    left = residual(groups, counts, avail)
    order = sorted(
        (gi for gi, g in enumerate(groups) if g.party > 1),
        key=lambda gi: (-groups[gi].party, -groups[gi].skip_cost / groups[gi].party, gi),
    )
    for gi in order:
        g, row = groups[gi], counts[gi]
        for j in sorted(range(len(g.options)), key=lambda j: (-values[gi][j], j)):
            units = min(math.ceil(values[gi][j] - _TOL), g.size - sum(row))
            while units > 0 and take(left, avail, g.uses[j], g.party):
                row[j] += 1
                units -= 1
    return counts


def _solve_linear(
    groups: list[Group],
    fixed: list[list[int]],
    avail: Mapping[LegCabin, int],
    work: _Work,
    *,
    integer: bool,
) -> tuple[list[list[float]], float, dict[LegCabin, float]] | None:
    """LP relaxation or exact MIP (HiGHS, ``linear.py``) over the units ``fixed`` leaves
    unplaced and the seats it leaves free (the model: ``component_lp.py``).  ``None`` unless
    solved to proven optimality.  Returns the values per group and option (on top of
    ``fixed``), the objective bound of the rest and the LP's seat prices."""
    remaining = work.deadline - time.perf_counter()
    if remaining <= 0.05:
        work.limits_hit.add("wall-clock")
        return None
    arrays = work.arrays(groups)
    lp = build(arrays, fixed, avail, integer)
    cap = work.settings
    solved = solve_linear(
        lp.model,
        time_limit_s=remaining,
        iteration_limit=0 if integer else cap.lp_max_iterations,
        node_limit=cap.mip_max_nodes if integer else 0,
    )
    if isinstance(solved, Stop):
        work.limits_hit.add(solved.value)
        return None
    bound = solved.bound + _cost_of_fixed(groups, fixed)
    return arrays.rows(option_values(lp, solved.values)), bound, lp.seat_prices(solved.duals)


def _cost_of_fixed(groups: list[Group], fixed: list[list[int]]) -> float:
    return sum(n * o.cost for g, row in zip(groups, fixed, strict=True) for n, o in zip(row, g.options, strict=True))


def _cheapest_bound(groups: list[Group]) -> float:
    return sum(g.size * (g.options[0].cost if g.options else g.skip_cost) for g in groups)

"""The plan's solve: the greedy baseline, the chosen solver, widened candidates, ejection, splits."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol, cast

from rebook.domain.model import Cabin

from .affected import Affected
from .candidate import Candidate
from .candidates import CandidateBuilder
from .ejection import eject
from .greedy import solve_greedy
from .settings import OptimizerSettings
from .solution import Solution, objective_of, priced_bound, relative_gap, seats_left
from .solvers import ReusingSolveFn, solver_choice
from .split import split_groups

# Rounds of "more candidates with seats still free" for bookings a solve left stranded, after
# the widening for those the baseline stranded.  On the 10k meltdown one round gave 87 % of the
# greedy-to-bound headroom against 89 % for four, at a third of the solve time.
WIDEN_ROUNDS = 1


class SubSolveFn(Protocol):
    """The model over some bookings (all by default) in some seats (the plan's by default)."""

    def __call__(
        self,
        candidates: Mapping[str, Sequence[Candidate]],
        among: Sequence[Affected] = ...,
        seats: Mapping[tuple[str, Cabin], int] = ...,
    ) -> Solution: ...


def solve_widening(
    affected: Sequence[Affected],
    builder: CandidateBuilder,
    candidates: Mapping[str, Sequence[Candidate]],
    avail: Mapping[tuple[str, Cabin], int],
    settings: OptimizerSettings,
) -> tuple[dict[str, list[Candidate]], Solution]:
    """Warm start, solve, widen, solve again; returns the candidates used and the solution.

    1. The honest greedy (``solve_greedy`` with ``builder``: next available flight, unlimited
       by K; what ``solver="greedy"`` returns) runs first; each booking's greedy pick joins its
       candidates, so the model always contains the baseline and its answer is never worse (the
       greedy plan is kept if it is).
    2. Bookings the baseline left without a seat get up to K more candidates that still have
       seats after it (later flights, the next days'); the model is solved; those it leaves
       without a seat get more again and the model is solved again around the new seats
       (``_solve_around``), for ``WIDEN_ROUNDS`` rounds: in a meltdown everyone's K best
       options are the same few flights, and these rounds find the empty seats further out.

    Bookings with ``Affected.held`` are never widened and the baseline keeps what they hold.
    The lower bound is valid over the final candidate sets (``_bound_around``)."""
    start = time.perf_counter()
    cands = {k: list(v) for k, v in candidates.items()}
    no_option = builder.no_option_costs(affected)
    greedy = solve_greedy(affected, cands, avail, settings, no_option, builder)  # exactly the baseline
    phases = {"greedy": time.perf_counter() - start}
    chosen = solver_choice(settings.solver)
    if chosen.baseline:
        return cands, replace(greedy, phases=phases)
    _add_picks(cands, greedy)
    memo: dict[tuple[Any, ...], object] = {}  # components a widening round leaves unchanged: not solved again

    def solve(
        candidates: Mapping[str, Sequence[Candidate]],
        among: Sequence[Affected] = affected,
        seats: Mapping[tuple[str, Cabin], int] = avail,
    ) -> Solution:
        """The model with the safety net's time left; no ejection per round (``_ejected``
        runs it once).  The memo holds for the plan's own seats only."""
        left = max(0.1, settings.time_limit_s - (time.perf_counter() - start))
        budget = replace(settings, time_limit_s=left, ejection_max_attempts=0)
        if chosen.reuses_components and seats is avail:
            return cast(ReusingSolveFn, chosen.solve)(among, candidates, seats, budget, no_option, memo=memo)
        return chosen.solve(among, candidates, seats, budget, no_option)

    # The baseline's stranded are widened before the first solve: most of them are stranded by
    # the model too, and each round saved is a whole solve (three LPs) at meltdown size.
    _widen(cands, builder, _stranded(greedy, affected), seats_left(greedy, affected, avail), phases)
    cands, solution, runs = _rounds(cands, solve, affected, builder, avail, no_option, phases)
    solution = _ejected(solution, affected, cands, avail, no_option, settings.ejection_max_attempts)
    runs.append(solution)
    if greedy.objective < solution.objective:
        bound = min(solution.lower_bound, greedy.objective)
        solution = replace(greedy, lower_bound=bound, gap=relative_gap(greedy.objective, bound), method="greedy-kept")
    since = time.perf_counter()
    solution = split_groups(affected, builder, solution, avail, settings, no_option)  # the last resort
    phases["split"] = time.perf_counter() - since
    return cands, _accounted(solution, runs, phases, time.perf_counter() - start)


def _add_picks(cands: dict[str, list[Candidate]], greedy: Solution) -> None:
    """Each booking's baseline pick joins its candidates, so the model contains the baseline."""
    for locator, pick in greedy.assignment.items():
        if pick is not None and all(c.segments != pick.segments for c in cands[locator]):
            cands[locator] = sorted([*cands[locator], pick], key=lambda c: (c.cost, c.arrival))


def _rounds(
    cands: dict[str, list[Candidate]],
    solve: SubSolveFn,
    affected: Sequence[Affected],
    builder: CandidateBuilder,
    avail: Mapping[tuple[str, Cabin], int],
    no_option: Mapping[str, float],
    phases: dict[str, float],
) -> tuple[dict[str, list[Candidate]], Solution, list[Solution]]:
    """Solve, then widen the stranded and solve again for ``WIDEN_ROUNDS`` rounds; returns
    the candidates of the plan kept, that plan (its bound over those candidates) and every
    solve made."""
    solution = solve(cands)
    runs = [solution]
    for _ in range(WIDEN_ROUNDS):
        if not solution.unaccommodated:
            break
        narrow = {k: list(v) for k, v in cands.items()}
        extra = _widen(cands, builder, _stranded(solution, affected), seats_left(solution, affected, avail), phases)
        if not extra:
            break
        if solution.seat_prices:
            again = _solve_around(extra, solution, cands, solve, affected, avail, no_option)
        else:  # no LP priced the seats (greedy fallback, or every component trivial)
            again = solve(cands)
        runs.append(again)
        if again.deadline_hit and again.objective >= solution.objective:
            # Out of time on the wider model: its bound is only the capacity-free one.  Keep
            # the solve before over its candidates, whose LP bound is valid for them.
            cands = narrow
            break
        bound = min(again.lower_bound, solution.lower_bound)
        best = again if again.objective <= solution.objective else solution
        solution = replace(best, lower_bound=bound, gap=relative_gap(best.objective, bound))
    return cands, solution, runs


def _accounted(solution: Solution, runs: Sequence[Solution], phases: dict[str, float], wall: float) -> Solution:
    """``solution`` with every solve's phases and limits, even those of plans not kept."""
    for run in runs:
        for phase, seconds in run.phases.items():
            phases[phase] = phases.get(phase, 0.0) + seconds
    limits = tuple(sorted({lim for run in runs for lim in run.limits_hit}))
    return replace(solution, wall_s=wall, phases=phases, limits_hit=limits, deadline_hit="wall-clock" in limits)


def _stranded(solution: Solution, affected: Sequence[Affected]) -> list[Affected]:
    """Bookings ``solution`` leaves without a seat that may be given more candidates."""
    return [a for a in affected if solution.assignment.get(a.booking.record_locator) is None and not a.held]


def _widen(
    cands: dict[str, list[Candidate]],
    builder: CandidateBuilder,
    stranded: Sequence[Affected],
    left: Mapping[tuple[str, Cabin], int],
    phases: dict[str, float],
) -> dict[str, list[Candidate]]:
    """Adds to ``cands`` up to K candidates per stranded booking that still have seats in
    ``left``; returns those added."""
    since = time.perf_counter()
    extra = builder.more(stranded, cands, left)
    for locator, more in extra.items():
        cands[locator] = sorted([*cands[locator], *more], key=lambda c: (c.cost, c.arrival))
    phases["widen"] = phases.get("widen", 0.0) + time.perf_counter() - since
    return extra


def _solve_around(
    extra: Mapping[str, Sequence[Candidate]],
    before: Solution,
    cands: Mapping[str, Sequence[Candidate]],
    solve: SubSolveFn,
    affected: Sequence[Affected],
    avail: Mapping[tuple[str, Cabin], int],
    no_option: Mapping[str, float],
) -> Solution:
    """The widening round's solve, over the neighbourhood of the new seats only.

    The widened bookings and every booking with a candidate on a (leg, cabin) of their new
    candidates are solved again, in the seats the rest of ``before`` leaves; everyone else
    keeps their seat.  At airline scale the whole model is one component of 450,000 columns
    whose LP is solved cold (MathOpt gives HiGHS no starting basis): three LPs, a fifth of the
    plan, to move a few hundred bookings.  The bound needs no LP: ``before``'s seat prices
    bound the wider candidate sets (``priced_bound``)."""
    seats = {(s.leg_id, s.cabin) for more in extra.values() for c in more for s in c.segments}
    around = [
        a
        for a in affected
        if a.booking.record_locator in extra
        or any((s.leg_id, s.cabin) in seats for c in cands.get(a.booking.record_locator, ()) for s in c.segments)
    ]
    moving = {a.booking.record_locator for a in around}
    kept = {k: v for k, v in before.assignment.items() if k not in moving}
    left = seats_left(replace(before, assignment=kept), affected, avail)  # no splits yet: they come last
    local = solve({a.booking.record_locator: cands.get(a.booking.record_locator, ()) for a in around}, around, left)
    assignment = {**before.assignment, **local.assignment}
    objective = objective_of(assignment, affected, no_option)
    bound = min(_bound_around(seats, around, before.seat_prices, cands, solve, affected, avail, no_option), objective)
    return replace(
        local,
        assignment=assignment,
        objective=objective,
        lower_bound=bound,
        gap=relative_gap(objective, bound),
        method="+".join(sorted({*before.method.split("+"), *local.method.split("+")} - {"empty"})),
        seat_prices=before.seat_prices,
    )


def _bound_around(
    seats: set[tuple[str, Cabin]],
    around: Sequence[Affected],
    prices: Mapping[tuple[str, Cabin], float],
    cands: Mapping[str, Sequence[Candidate]],
    solve: SubSolveFn,
    affected: Sequence[Affected],
    avail: Mapping[tuple[str, Cabin], int],
    no_option: Mapping[str, float],
) -> float:
    """A lower bound over the widened candidates: every seat row priced (the LP's prices)
    except those of the new candidates' ``seats``, which nobody had priced (a new option on
    them would look free) and are kept as rows, in a model over the bookings ``around``
    them (the others do not touch them: ``priced_bound`` prices them alone)."""
    priced = {lc: p for lc, p in prices.items() if lc not in seats}
    inside = {a.booking.record_locator for a in around}
    outside = priced_bound(
        [a for a in affected if a.booking.record_locator not in inside], cands, avail, priced, no_option
    )
    unbounded = sum(a.booking.party_size for a in around)  # a row that can never bind
    relaxed: dict[str, list[Candidate]] = {}
    room: dict[tuple[str, Cabin], int] = {}
    for a in around:
        options = relaxed[a.booking.record_locator] = []
        for c in cands.get(a.booking.record_locator, ()):
            use = [(s.leg_id, s.cabin) for s in c.segments]
            price = a.booking.party_size * sum(priced.get(lc, 0.0) for lc in use)
            options.append(replace(c, cost=c.cost + price))
            room.update((lc, avail.get(lc, 0) if lc in seats else unbounded) for lc in use)
    return outside + solve(relaxed, around, room).lower_bound


def _ejected(
    solution: Solution,
    affected: Sequence[Affected],
    candidates: Mapping[str, Sequence[Candidate]],
    avail: Mapping[tuple[str, Cabin], int],
    no_option: Mapping[str, float],
    attempts: int,
) -> Solution:
    """``solution`` improved by the ejection search (``ejection.eject``), run once on the plan
    the widening rounds end with rather than after every round: the rounds only need to know
    who is still without a seat, and the search is most of a round's work at meltdown size.
    Its phase and its limit are the only ones the returned solution reports (the caller sums)."""
    if not attempts:
        return replace(solution, phases={}, limits_hit=())
    since = time.perf_counter()
    moved = eject(affected, candidates, avail, solution.assignment, no_option, attempts)
    objective = objective_of(moved.assignment, affected, no_option)
    bound = min(solution.lower_bound, objective)
    method = "+".join(sorted({*solution.method.split("+"), "ejection"})) if moved.moves else solution.method
    return replace(
        solution,
        assignment=moved.assignment,
        objective=objective,
        lower_bound=bound,
        gap=relative_gap(objective, bound),
        method=method,
        phases={"ejection": time.perf_counter() - since},
        limits_hit=("ejection-attempts",) if moved.exhausted else (),
    )

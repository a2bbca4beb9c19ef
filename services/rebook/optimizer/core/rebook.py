"""The pure entry point: flights, bookings and disruptions in, a rebooking plan out."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any, cast

from rebook.domain.disruptions import predicted_unusable, rotation_at_risk
from rebook.domain.memory import cyclic_gc_paused
from rebook.domain.model import Booking, Cabin, Disruption, FlightLeg, Proximity, Segment

from .affected import Affected, Reason, find_affected
from .candidates import Candidate, CandidateBuilder, seat_availability
from .costs import Entitlements, owed_clause, replan_threshold
from .ejection import eject
from .explain import LOCAL_TIMES, FlightsByRoute, explain
from .greedy import solve_greedy
from .settings import OptimizerSettings
from .solution import Solution, SubGroup, objective_of, relative_gap, seats_left
from .solvers import ReusingSolveFn, solver_choice
from .split import split_groups


class NoSeat(Enum):
    """Why a booking was left without a seat."""

    NO_ROUTE = "no_route"  # no itinerary at all reaches the destination within the horizon
    NO_SEAT_WITHIN_HORIZON = "no_seat_within_horizon"  # itineraries exist, all full


# Rounds of "more candidates with seats still free" for bookings a solve left stranded, after
# the widening for those the baseline stranded.  On the 10k meltdown one round gave 87 % of the
# greedy-to-bound headroom against 89 % for four, at a third of the solve time.
WIDEN_ROUNDS = 1


@dataclass(frozen=True, slots=True)
class RebookingOption:
    """What one affected booking is offered: a primary itinerary (``None``: refund, waitlist
    or agent, with ``no_seat`` saying why) and ranked alternatives that still had seats after
    everyone's primary was placed.  ``horizon_end`` is the latest departure searched."""

    affected: Affected
    primary: Candidate | None
    alternatives: tuple[Candidate, ...]
    explanation: str
    no_seat: Entitlements | None = None  # what the passengers are owed if they take the refund
    unseated: NoSeat | None = None
    horizon_end: datetime | None = None
    # A large group split across flights: every sub-group with its itinerary (``primary`` is
    # the first one's); empty when the party travels whole.
    split: tuple[SubGroup, ...] = ()

    @property
    def record_locator(self) -> str:
        return self.affected.booking.record_locator

    @property
    def reason(self) -> Reason:
        return self.affected.reason


@dataclass(frozen=True, slots=True)
class PlanStats:
    affected_bookings: int
    affected_passengers: int
    candidates: int
    unaccommodated: int
    candidate_s: float
    wall_s: float
    solution: Solution

    @property
    def groups_split(self) -> int:
        return len(self.solution.splits)


@dataclass(frozen=True, slots=True)
class Plan:
    options: tuple[RebookingOption, ...]  # ordered by record locator
    stats: PlanStats


_MIN_SOLVE_S = 0.1  # a solve always gets this much, however long the candidates took


@cyclic_gc_paused()
def plan_rebooking(
    flights: Mapping[str, FlightLeg],
    bookings: Iterable[Booking],
    disruptions: Sequence[Disruption],
    proximity: Mapping[str, Proximity],
    holds_in_use: Mapping[tuple[str, Cabin], int],
    settings: OptimizerSettings,
    now: datetime,
    avoid: Collection[str] | None = None,
    incumbents: Mapping[str, Sequence[Segment]] | None = None,
) -> Plan:
    """Find who is affected, build candidates, solve, explain.  Pure and deterministic.

    ``proximity`` is keyed by passenger id; ``holds_in_use`` are seats this instance already
    holds for earlier offers; ``avoid`` defaults to ``predicted_unusable(disruptions)``.
    ``incumbents`` (record locator → itinerary) are what unanswered offers hold for bookings
    planned again, with those holds left out of ``holds_in_use``: while still flyable, each is
    kept or replaced by one cheaper by the carrier's re-plan cost (``costs.replan_threshold``).
    """
    start = time.perf_counter()
    affected = find_affected(flights, bookings, disruptions, settings, now, proximity)
    avail = seat_availability(flights, affected, holds_in_use)
    avoid = predicted_unusable(disruptions) if avoid is None else avoid
    causes = {lid: d.cause for d in disruptions if not d.withdrawn for lid in d.leg_ids}
    builder = CandidateBuilder(flights, avail, settings, now, avoid, causes, rotation_at_risk(disruptions))
    candidates = builder.build(affected)
    affected, held = _anchor(affected, builder, incumbents or {})
    candidate_s = time.perf_counter() - start
    # The time limit bounds the whole plan: the solve gets what finding the affected and their
    # candidates left of it (explanations after it are index look-ups).
    budget = replace(settings, time_limit_s=max(_MIN_SOLVE_S, settings.time_limit_s - candidate_s))
    solved, solution = solve_widening(affected, builder, no_worse(candidates, affected, held, builder), avail, budget)
    left = seats_left(solution, affected, avail)
    indexed = FlightsByRoute(flights)  # explanations look routes up, once per plan
    notice = _notice_times(affected, disruptions, now)
    options = tuple(
        _option(
            a,
            solution.assignment.get(a.booking.record_locator),
            [*_choices(candidates, solved, a.booking.record_locator), *builder.earlier(a, left)],
            left,
            indexed,
            settings,
            builder.no_option(a)[1],
            builder,
            notice.get(a.booking.record_locator, now),
            solution.splits.get(a.booking.record_locator, ()),
        )
        for a in affected
    )
    stats = PlanStats(
        affected_bookings=len(affected),
        affected_passengers=sum(a.booking.party_size for a in affected),
        candidates=sum(len(c) for c in candidates.values()),
        unaccommodated=solution.unaccommodated,
        candidate_s=candidate_s,
        wall_s=time.perf_counter() - start,
        solution=solution,
    )
    return Plan(options, stats)


def _notice_times(
    affected: Sequence[Affected], disruptions: Sequence[Disruption], now: datetime
) -> dict[str, datetime]:
    """When each party hears of its offer: now, or later when its trip's disruption became
    known later (one solve of a whole day).  Explanations say "today" and "tomorrow" from it."""
    known: dict[str, datetime] = {}
    for d in disruptions:
        if not d.withdrawn:
            for leg_id in d.leg_ids:
                known[leg_id] = max(known.get(leg_id, d.known_time), d.known_time)
    out = {}
    for a in affected:
        times = [known[s.leg_id] for s in a.booking.segments if s.leg_id in known]
        out[a.booking.record_locator] = max([now, *times])
    return out


def _anchor(
    affected: Sequence[Affected], builder: CandidateBuilder, incumbents: Mapping[str, Sequence[Segment]]
) -> tuple[list[Affected], dict[str, Candidate]]:
    """Marks bookings whose held itinerary can still be flown; returns them and those candidates."""
    anchored: list[Affected] = []
    held: dict[str, Candidate] = {}
    for a in affected:
        segments = incumbents.get(a.booking.record_locator)
        incumbent = builder.incumbent(a, segments) if segments else None
        if incumbent is not None:
            held[a.booking.record_locator] = incumbent
            a = replace(a, held=incumbent.segments)
        anchored.append(a)
    return anchored, held


def no_worse(
    candidates: Mapping[str, Sequence[Candidate]],
    affected: Sequence[Affected],
    held: Mapping[str, Candidate],
    builder: CandidateBuilder,
) -> dict[str, list[Candidate]]:
    """Candidates to solve over: a held booking keeps its itinerary or gains at least the
    re-plan threshold, so a new version of its offer is always worth sending."""
    out = {k: list(v) for k, v in candidates.items()}
    for a in affected:
        locator = a.booking.record_locator
        incumbent = held.get(locator)
        if incumbent is None:
            continue
        cut = incumbent.cost - replan_threshold(builder.journey(a))
        better = [c for c in candidates[locator] if c.cost <= cut and c.segments != incumbent.segments]
        out[locator] = sorted([incumbent, *better], key=lambda c: (c.cost, c.arrival))
    return out


def _choices(
    candidates: Mapping[str, Sequence[Candidate]], solved: Mapping[str, Sequence[Candidate]], locator: str
) -> list[Candidate]:
    """Everything a booking may be shown: its candidates and those the solve added."""
    merged = {c.segments: c for c in (*candidates[locator], *solved[locator])}
    return sorted(merged.values(), key=lambda c: (c.cost, c.arrival))


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
       without a seat get more again and the model is solved again, for ``WIDEN_ROUNDS``
       rounds: in a meltdown everyone's K best options are the same few
       flights, and these rounds find the empty seats further out, so a later seat is found
       for everyone who can have one before anyone is left with nothing.

    Bookings with ``Affected.held`` are never widened and the baseline keeps what they hold.
    The lower bound is the model's over the final candidate sets.
    """
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

    def solve(candidates: Mapping[str, Sequence[Candidate]]) -> Solution:
        """The model with the safety net's time left; no ejection per round (``_ejected``
        runs it once)."""
        left = max(0.1, settings.time_limit_s - (time.perf_counter() - start))
        budget = replace(settings, time_limit_s=left, ejection_max_attempts=0)
        if chosen.reuses_components:
            return cast(ReusingSolveFn, chosen.solve)(affected, candidates, avail, budget, no_option, memo=memo)
        return chosen.solve(affected, candidates, avail, budget, no_option)

    # The baseline's stranded are widened before the first solve: most of them are stranded by
    # the model too, and each round saved is a whole solve (three LPs) at meltdown size.
    _widen(cands, builder, _stranded(greedy, affected), seats_left(greedy, affected, avail), phases)
    cands, solution, runs = _rounds(cands, solve, affected, builder, avail, phases)
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
    solve: Callable[[Mapping[str, Sequence[Candidate]]], Solution],
    affected: Sequence[Affected],
    builder: CandidateBuilder,
    avail: Mapping[tuple[str, Cabin], int],
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
        if not _widen(cands, builder, _stranded(solution, affected), seats_left(solution, affected, avail), phases):
            break
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
) -> bool:
    """Adds to ``cands`` up to K candidates per stranded booking that still have seats in
    ``left``; whether any was added."""
    since = time.perf_counter()
    extra = builder.more(stranded, cands, left)
    for locator, more in extra.items():
        cands[locator] = sorted([*cands[locator], *more], key=lambda c: (c.cost, c.arrival))
    phases["widen"] = phases.get("widen", 0.0) + time.perf_counter() - since
    return bool(extra)


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


def _option(
    a: Affected,
    chosen: Candidate | None,
    options: Sequence[Candidate],
    left: Mapping[tuple[str, Cabin], int],
    flights: Mapping[str, FlightLeg],
    settings: OptimizerSettings,
    no_seat: Entitlements,
    builder: CandidateBuilder,
    now: datetime,
    split: tuple[SubGroup, ...] = (),
) -> RebookingOption:
    party = a.booking.party_size
    chosen = split[0].candidate if split else chosen
    alternatives = tuple(
        c
        for c in options
        if (chosen is None or c.segments != chosen.segments)
        and all(left.get((s.leg_id, s.cabin), 0) >= party for s in c.segments)
    )[: settings.k_best - 1]
    owed = owed_clause(chosen.entitlements if chosen is not None else no_seat)
    horizon_end = builder.horizon_end(a)
    unseated = None
    if chosen is None:
        unseated = NoSeat.NO_SEAT_WITHIN_HORIZON if builder.has_route(a) else NoSeat.NO_ROUTE
    text = explain(
        a, chosen, flights, now, no_seat=unseated.value if unseated else "", horizon_end=horizon_end, split=split
    )
    return RebookingOption(a, chosen, alternatives, text + owed + LOCAL_TIMES, no_seat, unseated, horizon_end, split)

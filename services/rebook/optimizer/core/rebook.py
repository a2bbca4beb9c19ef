"""The pure entry point: flights, bookings and disruptions in, a rebooking plan out."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from rebook.domain.disruptions import predicted_unusable, rotation_at_risk
from rebook.domain.memory import cyclic_gc_paused
from rebook.domain.model import Booking, Cabin, Disruption, FlightLeg, Proximity, Segment

from .affected import Affected, Reason, find_affected
from .candidate import Candidate
from .candidates import CandidateBuilder, seat_availability
from .costs import Entitlements, owed_clause, replan_threshold
from .explain import LOCAL_TIMES, FlightsByRoute, explain
from .settings import OptimizerSettings
from .solution import Solution, SubGroup, seats_left
from .widening import solve_widening


class NoSeat(Enum):
    """Why a booking was left without a seat."""

    NO_ROUTE = "no_route"  # no itinerary at all reaches the destination within the horizon
    NO_SEAT_WITHIN_HORIZON = "no_seat_within_horizon"  # itineraries exist, all full


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

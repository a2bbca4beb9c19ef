"""``rebook solve SCENARIO_DIR``: the optimizer's core on a scenario folder, no Kafka.

Events are applied with the detector's own core (rotation propagation included); the live
disruptions are then solved together, as one batch, at the moment the first became known.
Seeing the whole day at once is the offline advantage; seeing into the past is not, so each
party is planned from when its own disruption became known (``find_affected``), and legs carry
every retiming, cancellation and equipment change of the day but no movement after the solve's
moment (``_on_the_ground``): a flight that departs later that day is still there to be booked.

``--batches N`` is the online path without Kafka; between batches time acts (``let_time_pass``:
answers by ``AcceptPolicy``, expiry by the carrier's offer policy, departures).  What each mode
knows when: docs/offline-online.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from rebook.domain.batch import SHOWN_REJECTIONS
from rebook.domain.bookings import BookingRules, CleanBooking, check_booking
from rebook.domain.errors import DomainError, FieldViolation, ValidationError
from rebook.domain.model import Booking, FlightLeg, FlightStatus
from rebook.flightops import DetectorSettings, ReplayResult, replay
from rebook.flightops.events import FlightEvent
from rebook.optimizer.convert import offer_to_proto
from rebook.optimizer.core.solvers import DEFAULT_SOLVER, SOLVER_NAMES, SOLVERS
from rebook.optimizer.engine import REPLAN_MODES, RebookingEngine, planning_flights
from rebook.optimizer.main import load_booking_rules, load_detector_settings, load_policies, load_settings
from rebook.optimizer.offer_costs import total_cost, total_owed
from rebook.optimizer.offers import Offer, OfferStatus, ResponseKind
from rebook.runtime.config import Env
from rebook.runtime.proto_json import message_json_line
from rebook.tooling.args import duration, positive_float, share
from rebook.tooling.sim.scenario import (
    ReadItems,
    bulk_load,
    read_bookings,
    read_items,
    require_folder,
    stream_events,
    stream_legs,
)

T = TypeVar("T")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario folder (flights/bookings/events .jsonl)")
    parser.add_argument("--out", type=Path, default=Path("offers.jsonl"), help="offers, one per line")
    parser.add_argument(
        "--solver",
        choices=SOLVER_NAMES,
        default=DEFAULT_SOLVER,
        help="; ".join(f"{choice.name}: {choice.help}" for choice in SOLVERS.values()),
    )
    parser.add_argument("--time-limit", type=positive_float, default=None, help="solver deadline in seconds")
    parser.add_argument(
        "--batches",
        type=int,
        default=1,
        help="solve the disruptions in this many batches in arrival order, each when its last one was "
        "known, as the online service does (1: all at once). Between batches time acts: offers are "
        "accepted by --accept-share of the passengers --accept-after they were made (before they "
        "expire), the rest expire by the carrier's offer TTL and expiry policy "
        "(REBOOK_OPTIMIZER_OFFER_TTL, _OFFER_EXPIRY, _CARRIER_POLICIES), and flights leave at their "
        "best-known departure (no longer offered, and an unanswered offer on one is planned again)",
    )
    parser.add_argument("--replan", choices=REPLAN_MODES, default="improve", help="unanswered offers per batch")
    parser.add_argument(
        "--spacing",
        choices=("known", "zero"),
        default="known",
        help="known: each batch when its last disruption was known, time acting in between; zero: "
        "every batch at the first disruption's time with nothing happening in between (the one-shot "
        "problem cut into pieces: its cost is never below the one-shot's)",
    )
    parser.add_argument(
        "--accept-share",
        type=share,
        default=DEFAULT_ACCEPT.share,
        help="share of passengers who accept their offer's primary option; who accepts is a fixed "
        "hash of the record locator, so runs repeat",
    )
    parser.add_argument(
        "--accept-after",
        type=duration,
        default=DEFAULT_ACCEPT.after,
        help="how long after an offer is made those passengers accept it (e.g. 10m)",
    )


@dataclass(frozen=True, slots=True)
class AcceptPolicy:
    """How passengers answer in the batched emulation: ``share`` of them accept the primary
    option ``after`` the offer was made, if it is still open then; the others never answer."""

    share: float = 0.6
    after: timedelta = timedelta(minutes=10)

    def accepts(self, record_locator: str) -> bool:
        digest = hashlib.sha256(record_locator.encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < self.share


DEFAULT_ACCEPT = AcceptPolicy()


def let_time_pass(engine: RebookingEngine, until: datetime, accept: AcceptPolicy) -> list[Offer]:
    """What happens to the offers until ``until``: the accepting passengers answer (at their
    offer's time + ``accept.after``, while it is open), then offers past expiry expire by the
    carrier's policy.  Flights leave by themselves: the next plan, at ``until``, offers none
    departed before it and re-plans unanswered offers held on one."""
    made = []
    for offer in engine.current_offers():
        at = offer.create_time + accept.after
        open_then = offer.status == OfferStatus.OPEN and at <= until and at < offer.expire_time
        if open_then and accept.accepts(offer.record_locator):
            answer = f"emulated-accept-{offer.version}"
            made.append(engine.respond(offer.offer_id, answer, ResponseKind.ACCEPT, "", at))
    return made + engine.expire_due(until)


def read_scenario(folder: Path) -> tuple[ReadItems[FlightLeg], ReadItems[Booking], ReadItems[FlightEvent]]:
    """Legs, bookings and events of a scenario folder as domain objects, read line by line on
    the fast path (``rebook.tooling.sim.scenario``); each bad line is a rejection of its own."""
    legs, events = read_schedule(folder)
    with bulk_load():
        return legs, read_bookings(folder), events


def read_schedule(folder: Path) -> tuple[ReadItems[FlightLeg], ReadItems[FlightEvent]]:
    """The legs and events of a scenario folder (``read_scenario`` without the bookings)."""
    require_folder(folder)
    with bulk_load():
        return read_items("flights", stream_legs(folder)), read_items("events", stream_events(folder))


def load_scenario(folder: Path) -> tuple[list[FlightLeg], list[Booking], list[FlightEvent]]:
    """All or nothing: as ``read_scenario``, but the first bad line raises ``ValidationError``."""
    read = read_scenario(folder)
    for items in read:
        if items.rejected:
            raise items.rejected[0].error
    return read[0].items, read[1].items, read[2].items


def _vet_bookings(bookings: ReadItems[Booking], legs: Mapping[str, FlightLeg], rules: BookingRules) -> list[Booking]:
    """The bookings the optimizer would take (``UpsertBookings``' rules against the legs that
    loaded); the others become rejections.  A booking repeating a record locator is refused.
    ``CleanBooking`` proves most clean at a glance; only the others are checked rule by rule."""
    valid: list[Booking] = []
    first: dict[str, int] = {}
    clean = CleanBooking(legs, rules)
    for booking, position in zip(bookings.items, bookings.positions, strict=True):
        try:
            if not clean(booking):
                check_booking(booking, legs, f"bookings[{position}].", rules)
            if booking.record_locator in first:
                path, earlier = f"bookings[{position}].record_locator", first[booking.record_locator]
                repeat = FieldViolation(path, f"repeats bookings[{earlier}]")
                raise ValidationError([repeat])
        except DomainError as error:
            bookings.refuse(position, booking.record_locator, error)
            continue
        first[booking.record_locator] = position
        valid.append(booking)
    return valid


def rejection_report(*kinds: ReadItems) -> tuple[dict[str, int], list[str]]:
    """Counts of refused items per file, and the first few reasons, one line each."""
    counts = {k.kind: len(k.rejected) for k in kinds}
    lines = [f"{k.kind} {r.line()}" for k in kinds for r in sorted(k.rejected, key=lambda r: r.index)]
    return counts, lines


def solve_scenario(
    folder: Path,
    solver: str,
    time_limit: float | None,
    batches: int = 1,
    replan: str = "improve",
    spacing: str = "known",
    accept: AcceptPolicy = DEFAULT_ACCEPT,
) -> tuple[dict, list]:
    """Returns (summary, offer messages): every version made, in order, and the summary of the
    current offers (one per booking).  ``total_cost`` prices those offers (``offer_cost``).
    What each mode knows when: docs/offline-online.md."""
    if batches < 1:
        raise ValidationError([FieldViolation("batches", "must be 1 or more")])
    if spacing not in ("known", "zero"):
        raise ValidationError([FieldViolation("spacing", "must be known or zero")])
    started = time.perf_counter()
    env = Env()  # the services' own settings, read the same way (REBOOK_OPTIMIZER_*, REBOOK_DETECTOR_*)
    loaded = _load(folder, env)
    live = sorted(loaded.replayed.current().values(), key=lambda d: (d.known_time, d.disruption_id))
    settings = load_settings(env)
    settings = replace(settings, solver=solver, time_limit_s=time_limit or settings.time_limit_s)
    default_policy, policies = load_policies(env)
    engine = RebookingEngine(
        settings, policies, default_policy, detector_settings=loaded.detector_settings, replan=replan
    )
    made, plans = _solve(engine, loaded, live, batches, spacing, accept)
    summary = {
        **_counts(loaded, live),
        "batches": len(plans),
        "replan": replan,
        "spacing": spacing if batches > 1 else None,
        "accept_share": accept.share if batches > 1 and spacing == "known" else None,
        "offer_versions": len(made),
        **_outcome(engine.current_offers(), loaded.bookings, plans, settings),
        "solver": solver,
        **plan_report(plans),
        "solve_wall_s": round(sum(p.stats.wall_s for p in plans), 3),
        "load_s": round(loaded.load_s, 3),
        "wall_s": round(time.perf_counter() - started, 3),
    }
    flights = planning_flights(loaded.replayed.legs, live)
    return summary, [offer_to_proto(o, flights) for o in made]


@dataclass
class _Loaded:
    """A scenario folder read and replayed through the flight-state core, its bad items refused
    (each ``ReadItems`` keeps its rejections)."""

    read_legs: ReadItems[FlightLeg]
    read_bookings: ReadItems[Booking]
    read_events: ReadItems[FlightEvent]
    replayed: ReplayResult
    legs: list[FlightLeg]  # the legs that loaded, as the file gave them
    bookings: list[Booking]  # the bookings the optimizer would take
    detector_settings: DetectorSettings
    load_s: float


def _load(folder: Path, env: Env) -> _Loaded:
    started = time.perf_counter()
    read_legs, read_events = read_schedule(folder)
    load_s = time.perf_counter() - started
    detector_settings = load_detector_settings(env)
    replayed = replay(read_legs.items, read_events.items, detector_settings, paths=read_legs.paths())
    rules = load_booking_rules(env)
    reading = time.perf_counter()
    with bulk_load():
        bookings_read = read_bookings(folder)
    load_s += time.perf_counter() - reading
    for position, refused in replayed.rejected_legs.items():
        read_legs.refuse(read_legs.positions[position], read_legs.items[position].leg_id, refused)
    legs = [leg for i, leg in enumerate(read_legs.items) if i not in replayed.rejected_legs]
    event_position = {id(e): p for e, p in zip(read_events.items, read_events.positions, strict=True)}
    for event, rejection in replayed.rejected:
        read_events.refuse(event_position[id(event)], event.event_id, rejection)
    bookings = _vet_bookings(bookings_read, replayed.legs, rules)
    return _Loaded(read_legs, bookings_read, read_events, replayed, legs, bookings, detector_settings, load_s)


def _solve(
    engine: RebookingEngine, loaded: _Loaded, live: list, batches: int, spacing: str, accept: AcceptPolicy
) -> tuple[list[Offer], list]:
    """Every offer version made, and the plans: one shot, or ``batches`` of the disruptions."""
    # In batches over time only what the disruptions so far say.  At one moment (one shot, or
    # batches zero time apart), every retiming, cancellation and equipment change of the day,
    # but no movement after that moment.
    first_known = live[0].known_time if live else None
    at_once = batches == 1 or spacing == "zero"
    replayed = loaded.replayed
    for leg in (_on_the_ground(g, first_known) for g in replayed.legs.values()) if at_once else loaded.legs:
        engine.apply_flight(leg)
    for booking in loaded.bookings:
        engine.apply_booking(booking)
    size = -(-len(live) // batches) if live else 1
    made: list[Offer] = []
    plans: list = []
    for start in range(0, len(live), size):
        chunk = live[start : start + size]
        now = live[0].known_time if at_once else chunk[-1].known_time
        if plans and not at_once:
            made += let_time_pass(engine, now, accept)
        result = engine.handle(chunk, now)
        made += result.offers
        plans += [result.plan] if result.plan else []
    return made, plans


def _counts(loaded: _Loaded, live: list) -> dict:
    rejected, rejections = rejection_report(loaded.read_legs, loaded.read_bookings, loaded.read_events)
    return {
        "legs": len(loaded.legs),
        "bookings": len(loaded.bookings),
        "events": len(loaded.read_events.items) - len(loaded.replayed.rejected),
        "events_rejected": len(loaded.read_events.rejected),
        # Items left out of the solve, per file, and the first reasons (one line each).
        "rejected": rejected,
        "rejections": rejections[:SHOWN_REJECTIONS],
        "disruptions": len(live),
        # Retimings under the delay threshold: not announced, still checked against connections.
        "delays_below_threshold": sum(d.below_threshold for d in live),
    }


def _outcome(current: list[Offer], bookings: list[Booking], plans: list, settings) -> dict:
    """The current offers (one per booking): who got what, and what it costs."""
    by_locator = {b.record_locator: b for b in bookings}
    solution = plans[-1].stats.solution if len(plans) == 1 else None
    return {
        "offers_by_status": dict(sorted(Counter(o.status.name.lower() for o in current).items())),
        "bookings_affected": len(current),
        "passengers_affected": sum(len(o.passenger_ids) for o in current),
        "passengers_with_option": sum(len(o.passenger_ids) for o in current if o.holds),
        # Large groups travelling on several flights (each sub-group whole, a cost per split).
        "groups_split": sum(1 for o in current if len(o.held_options) > 1),
        "total_cost": round(total_cost(current, by_locator, settings), 1),
        "owed": total_owed(current, settings),  # compensation, care and refunds in that cost
        "lower_bound": round(solution.lower_bound, 1) if solution else None,  # of one solve only
        "gap": round(solution.gap, 5) if solution else None,
        "method": solution.method if solution else None,  # of one solve only
        "deadline_hit": any(p.stats.solution.deadline_hit for p in plans),
    }


def _on_the_ground(leg: FlightLeg, now: datetime | None) -> FlightLeg:
    """``leg`` as the one-shot solve at ``now`` must see it: a flight that leaves after ``now``
    (the day's final state says it departed) is still there for parties ready before it, at
    the times its movements say."""
    if now is None or leg.actual_off_block is None or leg.actual_off_block < now:
        return leg
    status = FlightStatus.DELAYED if leg.status in (FlightStatus.DEPARTED, FlightStatus.ARRIVED) else leg.status
    return replace(
        leg,
        status=status,
        estimated_departure=leg.departure,
        estimated_arrival=leg.arrival,
        actual_off_block=None,
        actual_takeoff=None,
        actual_landing=None,
        actual_in_block=None,
    )


def plan_report(plans: list) -> dict:
    """How the plans were made: method(s), the limits any solve reached (work limits, or the
    wall-clock safety net: then the plan may depend on load), seconds per phase."""
    solutions = [p.stats.solution for p in plans]
    phases: dict[str, float] = {"candidates": sum(p.stats.candidate_s for p in plans)}
    for s in solutions:
        for phase, seconds in s.phases.items():
            phases[phase] = phases.get(phase, 0.0) + seconds
    return {
        "method": "+".join(sorted({s.method for s in solutions})) or "empty",
        "limits_hit": sorted({lim for s in solutions for lim in s.limits_hit}),
        "phases_s": {k: round(v, 3) for k, v in phases.items()},
    }


def human_line(summary: dict) -> str:
    gap = "n/a" if summary["gap"] is None else f"{summary['gap']:.2%}"
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in summary["phases_s"].items())
    limits = ", ".join(summary["limits_hit"]) or "none"
    split = summary["groups_split"]
    groups = f", {split} group{'s' if split != 1 else ''} split across flights" if split else ""
    return f"method {summary['method']}, limits hit: {limits}, gap {gap}{groups}, phases: {phases}"


def run(args: argparse.Namespace) -> int:
    accept = AcceptPolicy(args.accept_share, args.accept_after)
    try:
        summary, offers = solve_scenario(
            args.scenario, args.solver, args.time_limit, args.batches, args.replan, args.spacing, accept
        )
    except (FileNotFoundError, ValidationError) as exc:
        print(f"rebook solve: {exc}", file=sys.stderr)
        return 2
    with args.out.open("w", encoding="utf-8") as out:
        for offer in offers:
            out.write(message_json_line(offer) + "\n")
    print(json.dumps(summary))
    # stdout stays one JSON object; the person reads stderr
    if any(summary["rejected"].values()):
        counts = ", ".join(f"{n} {kind}" for kind, n in summary["rejected"].items() if n)
        print(f"rebook solve: left out {counts} (rejected); first reasons:", file=sys.stderr)
        for line in summary["rejections"]:
            print(f"  {line}", file=sys.stderr)
    print(f"rebook solve: {human_line(summary)}", file=sys.stderr)
    return 1 if any(summary["rejected"].values()) else 0  # solved what was valid; the input was not all

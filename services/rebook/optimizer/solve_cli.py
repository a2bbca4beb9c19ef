"""``rebook solve SCENARIO_DIR``: the optimizer's core on a scenario folder, no Kafka.

Events are applied with the detector's own core (rotation propagation included); the live
disruptions are then solved together, as one batch, at the moment the first became known.
Seeing the whole day at once is the offline advantage; seeing into the past is not, so each
party is planned from when its own disruption became known (``find_affected``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from google.protobuf import json_format

from rebook.detector.convert import event_from_proto
from rebook.detector.core import replay
from rebook.domain.convert import booking_from_proto, leg_from_proto
from rebook.domain.errors import ValidationError
from rebook.optimizer.convert import offer_to_proto
from rebook.optimizer.engine import RebookingEngine, planning_flights
from rebook.optimizer.main import load_settings
from rebook.runtime.config import Env
from rebook.sim.scenario import Scenario


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario folder (flights/bookings/events .jsonl)")
    parser.add_argument("--out", type=Path, default=Path("offers.jsonl"), help="offers, one per line")
    parser.add_argument("--solver", choices=("optimal", "greedy"), default="optimal")
    parser.add_argument("--time-limit", type=float, default=None, help="solver deadline in seconds")


def solve_scenario(folder: Path, solver: str, time_limit: float | None) -> tuple[dict, list]:
    """Returns (summary, offer messages)."""
    started = time.perf_counter()
    scenario = Scenario.load(folder)
    legs = [leg_from_proto(m, field=f"flights[{i}].") for i, m in enumerate(scenario.flights)]
    bookings = [booking_from_proto(m, field=f"bookings[{i}].") for i, m in enumerate(scenario.bookings)]
    events = [event_from_proto(m, field=f"events[{i}]") for i, m in enumerate(scenario.events)]
    replayed = replay(legs, events)
    live = sorted(replayed.current().values(), key=lambda d: (d.known_time, d.disruption_id))
    settings = load_settings(Env())
    settings = replace(settings, solver=solver, **({"time_limit_s": time_limit} if time_limit else {}))
    engine = RebookingEngine(settings)
    for leg in replayed.legs.values():
        engine.apply_flight(leg)
    for booking in bookings:
        engine.apply_booking(booking)
    now = live[0].known_time if live else None
    result = engine.handle(live, now) if live else None
    flights = planning_flights(replayed.legs, live)
    offers = [offer_to_proto(o, flights) for o in (result.offers if result else ())]
    plan = result.plan if result else None
    stats = plan.stats if plan else None
    accommodated = sum(o.affected.booking.party_size for o in plan.options if o.primary) if plan else 0
    summary = {
        "legs": len(legs),
        "bookings": len(bookings),
        "events": len(events),
        "events_rejected": len(replayed.rejected),
        "disruptions": len(live),
        "bookings_affected": stats.affected_bookings if stats else 0,
        "passengers_affected": stats.affected_passengers if stats else 0,
        "passengers_with_option": accommodated,
        "total_cost": round(stats.solution.objective, 1) if stats else 0.0,
        "lower_bound": round(stats.solution.lower_bound, 1) if stats else 0.0,
        "gap": round(stats.solution.gap, 5) if stats else 0.0,
        "solver": solver,
        "solve_wall_s": round(stats.wall_s, 3) if stats else 0.0,
        "wall_s": round(time.perf_counter() - started, 3),
    }
    return summary, offers


def run(args: argparse.Namespace) -> int:
    try:
        summary, offers = solve_scenario(args.scenario, args.solver, args.time_limit)
    except (FileNotFoundError, ValidationError) as exc:
        print(f"rebook solve: {exc}", file=sys.stderr)
        return 2
    with args.out.open("w", encoding="utf-8") as out:
        for offer in offers:
            out.write(json_format.MessageToJson(offer, indent=None) + "\n")
    print(json.dumps(summary))
    return 0

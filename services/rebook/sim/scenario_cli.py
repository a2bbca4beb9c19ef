"""``rebook scenario generate|check``: make a synthetic storm day, or check a scenario folder.

``generate`` writes flights/bookings/events/pings ``.jsonl`` plus ``scenario.json`` (how it was
made, where the storm is) and prints that manifest with the timings as JSON.

``check`` runs the detector's own validation on a folder (schedule load, then every event
replayed at its event time) and checks bookings against the schedule; it prints a JSON
summary and exits 1 when anything is rejected — use it on an airline's own export.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from rebook.domain.errors import DomainError, ValidationError

from .generator import SIZES, generate
from .scenario import Scenario


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    gen_help = "generate a synthetic airline storm day"
    gen = sub.add_parser(
        "generate", help=gen_help,
        description=f"{gen_help}: two hubs, banks, aircraft rotations, bookings, location pings and a "
        "ground stop with its cancellations and ripple delays, as a scenario folder (docs/scenario-format.md)",
    )  # fmt: skip
    gen.add_argument("--out", type=Path, required=True, help="scenario folder to write")
    gen.add_argument("--seed", type=int, default=1, help="random seed (same seed, same scenario)")
    gen.add_argument(
        "--size", choices=tuple(SIZES), default="small", help="small ≈ 54, medium ≈ 600, large ≈ 2000 legs/day"
    )
    gen.add_argument("--day", type=date.fromisoformat, default=None, help="storm day YYYY-MM-DD (default 2026-11-23)")
    check_help = "validate a scenario folder with the detector's rules"
    check = sub.add_parser(
        "check", help=check_help,
        description=f"{check_help}: the schedule, the bookings against it and the events in order; prints a "
        "JSON report of what is wrong",
    )  # fmt: skip
    check.add_argument("scenario", type=Path, help="scenario folder")


def run(args: argparse.Namespace) -> int:
    if args.action == "generate":
        return _generate(args)
    return _check(args)


def write_generated(out: Path, seed: int = 1, size: str = "small", day: date | None = None) -> dict:
    """Generates and writes a scenario folder; returns its manifest (with timings)."""
    generated = generate(seed, size, **({"day": day} if day else {}))
    started = time.perf_counter()
    counts = generated.to_scenario().save(out)
    manifest = generated.manifest()
    (out / "scenario.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    manifest["files"] = counts
    manifest["generate_s"] = round(generated.generate_s, 3)
    manifest["write_s"] = round(time.perf_counter() - started, 3)
    return manifest


def _generate(args: argparse.Namespace) -> int:
    try:
        manifest = write_generated(args.out, args.seed, args.size, args.day)
    except (OSError, ValueError) as exc:
        print(f"rebook scenario generate: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(manifest))
    return 0


def check_scenario(folder: Path) -> dict:
    """What the detector would reject in ``folder`` (see module doc)."""
    from rebook.detector.convert import event_from_proto
    from rebook.detector.core import replay
    from rebook.domain.convert import booking_from_proto, leg_from_proto

    scenario = Scenario.load(folder)
    problems: list[str] = []
    legs = [leg_from_proto(m, field=f"flights[{i}].") for i, m in enumerate(scenario.flights)]
    events = []
    for i, message in enumerate(scenario.events):
        try:
            events.append(event_from_proto(message, field=f"events[{i}]"))
        except ValidationError as exc:
            problems.append(str(exc))
    try:
        result = replay(legs, events)
    except ValidationError as exc:
        return {"ok": False, "schedule_rejected": str(exc)[:2000]}
    problems += [f"{event.event_id}: {error}" for event, error in result.rejected]
    by_id = {leg.leg_id: leg for leg in legs}
    for i, message in enumerate(scenario.bookings):
        try:
            booking = booking_from_proto(message, field=f"bookings[{i}].")
        except DomainError as exc:
            problems.append(str(exc))
            continue
        problems += _booking_problems(booking, by_id)
    ids = [e.event_id for e in scenario.events]
    if len(set(ids)) != len(ids):
        problems.append("event ids are not unique")
    return {
        "ok": not problems,
        "legs": len(legs),
        "bookings": len(scenario.bookings),
        "events": len(scenario.events),
        "pings": len(scenario.pings),
        "disruptions": len(result.current()),
        "disruption_versions": len(result.disruptions),
        "predicted": sum(1 for d in result.current().values() if d.predicted),
        "problems": problems[:50],
        "problem_count": len(problems),
    }


def _booking_problems(booking, legs: dict) -> list[str]:
    out = []
    if not booking.passengers or not booking.segments:
        return [f"booking {booking.record_locator}: needs passengers and segments"]
    flown = []
    for segment in booking.segments:
        leg = legs.get(segment.leg_id)
        if leg is None:
            out.append(f"booking {booking.record_locator}: unknown leg {segment.leg_id}")
        elif segment.cabin not in leg.capacity:
            out.append(f"booking {booking.record_locator}: cabin {segment.cabin.name} not on {segment.leg_id}")
        else:
            flown.append(leg)
    for a, b in itertools.pairwise(flown):
        if a.destination != b.origin or b.scheduled_departure - a.scheduled_arrival < timedelta(minutes=30):
            out.append(f"booking {booking.record_locator}: {a.leg_id} does not connect to {b.leg_id}")
    return out


def _check(args: argparse.Namespace) -> int:
    try:
        summary = check_scenario(args.scenario)
    except (FileNotFoundError, ValidationError) as exc:
        print(f"rebook scenario check: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1

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
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from rebook.detector.convert import event_to_proto
from rebook.domain.convert import leg_to_proto
from rebook.domain.errors import ValidationError

from .generator import SIZES, generate
from .scenario import (
    bulk_load,
    require_folder,
    stream_bookings,
    stream_events,
    stream_legs,
    stream_ping_errors,
    write_messages,
)
from .scenario_json import booking_json

T = TypeVar("T")


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
        "--size",
        choices=tuple(SIZES),
        default="small",
        help="small ≈ 54, medium ≈ 600, large ≈ 2000 legs/day; airline ≈ 14,000 legs/day for 2 days, "
        "airline-month ≈ 1,100 legs/day for 31 days, every day booked (≥ 20k legs, ≈ 1.5 M bookings)",
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
    """Generates and writes a scenario folder; returns its manifest (with timings).

    Bookings are written as they are made (``generate_s`` includes that), never all held in
    memory; the other files are small and written afterwards (``write_s``)."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "bookings.jsonl").open("wb", buffering=1 << 20) as bookings:
        generated = generate(
            seed, size, **({"day": day} if day else {}), booking_sink=lambda b: bookings.write(booking_json(b) + b"\n")
        )
    started = time.perf_counter()
    counts = {
        "flights": write_messages(out / "flights.jsonl", (leg_to_proto(leg) for leg in generated.legs)),
        "bookings": generated.booking_counts.bookings,
        "events": write_messages(out / "events.jsonl", (event_to_proto(e) for e in generated.events)),
        "pings": write_messages(out / "pings.jsonl", generated.pings),
    }
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
    """What the detector would reject in ``folder`` (see module doc).  Streams: each booking
    is checked as it is read and then dropped, so memory holds only the schedule and events;
    every bad line is a problem of its own, the rest is still checked."""
    from rebook.detector.core import replay

    require_folder(folder)
    problems: list[str] = []
    with bulk_load():
        legs = _valid(stream_legs(folder), problems)
        events = _valid(stream_events(folder), problems)
    try:
        result = replay(legs, events)
    except ValidationError as exc:
        return {"ok": False, "schedule_rejected": str(exc)[:2000]}
    problems += [f"{event.event_id}: {error}" for event, error in result.rejected]
    by_id = {leg.leg_id: leg for leg in legs}
    bookings = 0
    for item in stream_bookings(folder):
        if isinstance(item, ValidationError):
            problems.append(str(item))
            continue
        bookings += 1
        problems += _booking_problems(item, by_id)
    pings = 0
    for error in stream_ping_errors(folder):
        pings += 1
        if error is not None:
            problems.append(str(error))
    ids = [e.event_id for e in events]
    if len(set(ids)) != len(ids):
        problems.append("event ids are not unique")
    return {
        "ok": not problems,
        "legs": len(legs),
        "bookings": bookings,
        "events": len(events),
        "pings": pings,
        "disruptions": len(result.current()),
        "disruption_versions": len(result.disruptions),
        "predicted": sum(1 for d in result.current().values() if d.predicted),
        "problems": problems[:50],
        "problem_count": len(problems),
    }


def _valid(items: Iterable[T | ValidationError], problems: list[str]) -> list[T]:
    """The items read; each error appended to ``problems``."""
    out: list[T] = []
    for item in items:
        if isinstance(item, ValidationError):
            problems.append(str(item))
        else:
            out.append(item)
    return out


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

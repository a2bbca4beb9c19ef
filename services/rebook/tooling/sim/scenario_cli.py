"""``rebook scenario generate|check``: make a synthetic storm day, or check a scenario folder.

``generate`` writes flights/bookings/events/pings ``.jsonl`` plus ``scenario.json`` (how it was
made, where the storm is) and prints that manifest with the timings as JSON.

``check`` runs the services' own validation on a folder, item by item (the schedule load, then
every event replayed at its event time, then each booking against the legs that loaded); it
prints a JSON summary, names the first rejected items on stderr and exits 1 when anything is
rejected — use it on an airline's own export.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from rebook.domain.batch import SHOWN_REJECTIONS
from rebook.domain.bookings import DEFAULT_RULES, BookingRules, check_booking
from rebook.domain.convert import leg_to_proto
from rebook.domain.errors import DomainError, FieldViolation, ValidationError
from rebook.domain.memory import cyclic_gc_paused
from rebook.domain.model import Booking, FlightLeg
from rebook.flightops.convert import event_to_proto
from rebook.tooling.args import non_negative_int

from .generator import SIZES, generate
from .scenario import (
    ReadItems,
    bulk_load,
    decode_block,
    line_blocks,
    read_items,
    require_folder,
    stream_events,
    stream_legs,
    stream_ping_errors,
    write_messages,
)
from .scenario_json import BookingDecoder, StrictBookingJson, booking_json, strict_structs
from .scenario_json_fields import CABIN_NAMES

# What a booking's own itinerary must leave between two legs for a scenario to be coherent.
_MIN_CONNECTION = timedelta(minutes=30)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    gen_help = "generate a synthetic airline storm day"
    gen = sub.add_parser(
        "generate",
        help=gen_help,
        description=f"{gen_help}: two hubs, banks, aircraft rotations, bookings, location pings and a "
        "ground stop with its cancellations and ripple delays, as a scenario folder (docs/scenario-format.md)",
    )
    gen.add_argument("--out", type=Path, required=True, help="scenario folder to write")
    gen.add_argument("--seed", type=non_negative_int, default=1, help="random seed (same seed, same scenario)")
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
        "check",
        help=check_help,
        description=f"{check_help}: the schedule, the bookings against it and the events in order; prints a "
        "JSON report of what is wrong",
    )
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


def check_scenario(folder: Path, rules: BookingRules = DEFAULT_RULES) -> dict:
    """What the services would refuse in ``folder`` (see module doc), item by item: each bad
    leg, booking, event or ping is a rejection of its own (its position in its file and why)
    and everything else is still checked, against the legs that would load.  Streams: each
    booking is checked as it is read and then dropped, so memory holds only the schedule and
    events; a block of bookings that ``CleanBookings`` proves clean is not even built."""
    from rebook.flightops import replay

    require_folder(folder)
    with bulk_load():
        legs = read_items("flights", stream_legs(folder))
        events = read_items("events", stream_events(folder))
    result = replay(legs.items, events.items, paths=legs.paths())
    for position, refused in result.rejected_legs.items():
        legs.refuse(legs.positions[position], legs.items[position].leg_id, refused)
    event_position = {id(e): p for e, p in zip(events.items, events.positions, strict=True)}
    for event, rejection in result.rejected:
        events.refuse(event_position[id(event)], event.event_id, rejection)
    first_event: dict[str, int] = {}
    for event, position in zip(events.items, events.positions, strict=True):
        if event.event_id in first_event:
            violation = FieldViolation(f"events[{position}].event_id", f"repeats events[{first_event[event.event_id]}]")
            events.refuse(position, event.event_id, ValidationError([violation]))
        first_event.setdefault(event.event_id, position)
    with cyclic_gc_paused():  # nothing read below is kept: no cycles to collect
        bookings, booking_count = _check_bookings(folder, result.legs, rules)
        pings = ReadItems[None]("pings")
        ping_count = 0
        for position, error in enumerate(stream_ping_errors(folder)):
            ping_count += 1
            if error is not None:
                pings.refuse(position, "", error)
    kinds = (legs, bookings, events, pings)
    lines = [f"{k.kind} {r.line()}" for k in kinds for r in sorted(k.rejected, key=lambda r: r.index)]
    return {
        "ok": not lines,
        "legs": len(legs.positions),
        "bookings": booking_count,
        "events": len(events.positions),
        "pings": ping_count,
        "rejected": {k.kind: len(k.rejected) for k in kinds},
        "disruptions": len(result.current()),
        "disruption_versions": len(result.disruptions),
        "predicted": sum(1 for d in result.current().values() if d.predicted),
        "problems": lines[:50],
        "problem_count": len(lines),
    }


def _check_bookings(folder: Path, legs: Mapping[str, FlightLeg], rules: BookingRules) -> tuple[ReadItems, int]:
    """The refused bookings, and how many lines decoded to a booking.  Each block of lines is
    first decoded into strict structs only; a block that is not all provably clean is read
    again item by item, on the path that builds each booking and names what is wrong with it."""
    path = folder / "bookings.jsonl"
    decoder = BookingDecoder()
    clean = CleanBookings(legs, rules)
    bookings = ReadItems[Booking]("bookings")
    count = 0
    for block in line_blocks(path):
        structs = strict_structs(block.lines) if block.dense else None
        if structs is not None and all(map(clean, structs)):
            count += len(structs)
            continue
        for position, item in enumerate(decode_block(block, path, "bookings", decoder.decode), block.position):
            if isinstance(item, ValidationError):
                bookings.refuse(position, "", item)
                continue
            count += 1
            error = booking_error(item, legs, f"bookings[{position}].", rules)
            if error is not None:
                bookings.refuse(position, item.record_locator, error)
    return bookings, count


class CleanBookings:
    """A quick proof that a booking, still a ``StrictBookingJson``, is clean: True only when
    ``booking_error`` would find nothing in it.  The strict struct already holds the shape
    rules it can; this adds the rest of ``check_booking`` (party size, unique ids, legs known
    and in a cabin they offer, none twice) and the connection check.  False means only "not
    proven": the caller then runs the rules themselves, so a report never depends on this
    class (tests hold it to the rules)."""

    def __init__(self, legs: Mapping[str, FlightLeg], rules: BookingRules) -> None:
        self._max_party = rules.max_party
        every_cabin = frozenset(CABIN_NAMES.values())
        # Per leg: the cabin names a segment may name, where it goes from and to, and when.
        self._legs = {
            leg_id: (
                frozenset(CABIN_NAMES.get(c) for c in leg.capacity) if leg.capacity else every_cabin,
                leg.origin,
                leg.destination,
                leg.scheduled_departure,
                leg.scheduled_arrival,
            )
            for leg_id, leg in legs.items()
        }

    def __call__(self, booking: StrictBookingJson) -> bool:
        passengers = booking.passengers
        if len(passengers) > self._max_party:
            return False
        if len(passengers) > 1 and len({p.passenger_id for p in passengers}) != len(passengers):
            return False
        segments = booking.segments
        legs = self._legs
        previous = legs.get(segments[0].leg_id)
        if previous is None or segments[0].cabin not in previous[0]:
            return False
        if len(segments) == 1:
            return True
        seen = {segments[0].leg_id}
        for segment in segments[1:]:
            facts = legs.get(segment.leg_id)
            if facts is None or segment.cabin not in facts[0] or segment.leg_id in seen:
                return False
            if previous[2] != facts[1] or facts[3] - previous[4] < _MIN_CONNECTION:
                return False
            seen.add(segment.leg_id)
            previous = facts
        return True


def booking_error(
    booking: Booking, legs: Mapping[str, FlightLeg], field: str, rules: BookingRules = DEFAULT_RULES
) -> DomainError | None:
    """Why the optimizer would refuse ``booking`` against ``legs``, or why its legs cannot be
    flown in order (the services take such a booking; a scenario should not hold one)."""
    try:
        check_booking(booking, legs, field, rules)
    except DomainError as error:
        return error
    flown = [legs[s.leg_id] for s in booking.segments]
    for index, (a, b) in enumerate(itertools.pairwise(flown), start=1):
        if a.destination != b.origin or b.scheduled_departure - a.scheduled_arrival < _MIN_CONNECTION:
            path = f"{field}segments[{index}].leg_id"
            return ValidationError([FieldViolation(path, f"does not connect from {a.leg_id}")])
    return None


def _check(args: argparse.Namespace) -> int:
    try:
        summary = check_scenario(args.scenario)
    except (FileNotFoundError, ValidationError) as exc:
        print(f"rebook scenario check: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    if not summary["ok"]:  # stdout stays one JSON object; the person reads stderr
        rejected = ", ".join(f"{n} {kind}" for kind, n in summary["rejected"].items() if n)
        print(f"rebook scenario check: rejected {rejected}", file=sys.stderr)
        for line in summary["problems"][:SHOWN_REJECTIONS]:
            print(f"  {line}", file=sys.stderr)
    return 0 if summary["ok"] else 1

"""The scenario format: a folder of JSON Lines files, one protobuf message per line in
protobuf's JSON mapping.

    flights.jsonl   rebook.v1.FlightLeg      the schedule (with capacity and seats sold)
    bookings.jsonl  rebook.v1.Booking        bookings on those legs
    events.jsonl    rebook.v1.FlightEvent    what happened, in any order (replayed by event time)
    pings.jsonl     rebook.v1.LocationPing   optional: opt-in location pings

An airline can export its own data to it; ``rebook solve`` and ``rebook replay`` read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from rebook.domain.errors import FieldViolation, ValidationError
from rebook.v1 import booking_pb2, event_pb2, flight_pb2, location_pb2

M = TypeVar("M", bound=Message)

FILES: dict[str, type[Message]] = {
    "flights.jsonl": flight_pb2.FlightLeg,
    "bookings.jsonl": booking_pb2.Booking,
    "events.jsonl": event_pb2.FlightEvent,
    "pings.jsonl": location_pb2.LocationPing,
}


def read_messages(path: Path, message_type: type[M]) -> Iterator[M]:
    """Parses one file; a bad line raises ``ValidationError`` naming file and line."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json_format.Parse(line, message_type())
            except json_format.ParseError as exc:
                raise ValidationError([FieldViolation(f"{path.name}:{number}", str(exc))]) from None


def write_messages(path: Path, messages: Iterable[Message]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for message in messages:
            out.write(json_format.MessageToJson(message, indent=None, preserving_proto_field_name=False))
            out.write("\n")
            count += 1
    return count


@dataclass(frozen=True)
class Scenario:
    """A scenario folder loaded into memory."""

    flights: list[flight_pb2.FlightLeg]
    bookings: list[booking_pb2.Booking]
    events: list[event_pb2.FlightEvent]
    pings: list[location_pb2.LocationPing]

    @classmethod
    def load(cls, folder: Path) -> Scenario:
        if not (folder / "flights.jsonl").is_file():
            raise FileNotFoundError(f"{folder} is not a scenario folder: flights.jsonl is missing")
        return cls(
            flights=list(read_messages(folder / "flights.jsonl", flight_pb2.FlightLeg)),
            bookings=list(read_messages(folder / "bookings.jsonl", booking_pb2.Booking)),
            events=list(read_messages(folder / "events.jsonl", event_pb2.FlightEvent)),
            pings=list(read_messages(folder / "pings.jsonl", location_pb2.LocationPing)),
        )

    def save(self, folder: Path) -> dict[str, int]:
        folder.mkdir(parents=True, exist_ok=True)
        return {
            "flights": write_messages(folder / "flights.jsonl", self.flights),
            "bookings": write_messages(folder / "bookings.jsonl", self.bookings),
            "events": write_messages(folder / "events.jsonl", self.events),
            "pings": write_messages(folder / "pings.jsonl", self.pings),
        }

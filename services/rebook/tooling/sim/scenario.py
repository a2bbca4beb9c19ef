"""The scenario format: a folder of JSON Lines files, one protobuf message per line in
protobuf's JSON mapping.

    flights.jsonl   rebook.v1.FlightLeg      the schedule (with capacity and seats sold)
    bookings.jsonl  rebook.v1.Booking        bookings on those legs
    events.jsonl    rebook.v1.FlightEvent    what happened, in any order (replayed by event time)
    pings.jsonl     rebook.v1.LocationPing   optional: opt-in location pings

An airline can export its own data to it; ``rebook solve`` and ``rebook replay`` read it.

``Scenario`` holds the protobuf messages (what ``rebook replay`` sends); the ``stream_*``
readers go straight to domain objects one line at a time, on the fast JSON path of
``scenario_json``, and report each bad line instead of stopping at the first: that is what
``rebook scenario check`` and ``rebook solve`` use at airline size.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from rebook.domain.batch import Rejected
from rebook.domain.errors import DomainError, FieldViolation, ValidationError
from rebook.domain.memory import cyclic_gc_paused
from rebook.domain.model import Booking, FlightLeg
from rebook.flightops.events import FlightEvent
from rebook.runtime.grpc_errors import truncate
from rebook.runtime.proto_json import message_json_line
from rebook.v1 import booking_pb2, event_pb2, flight_pb2, location_pb2

from .scenario_json import BookingDecoder
from .scenario_json_fields import parse_line
from .scenario_json_legs import LegDecoder, check_ping

M = TypeVar("M", bound=Message)

FILES: dict[str, type[Message]] = {
    "flights.jsonl": flight_pb2.FlightLeg,
    "bookings.jsonl": booking_pb2.Booking,
    "events.jsonl": event_pb2.FlightEvent,
    "pings.jsonl": location_pb2.LocationPing,
}


def read_messages(path: Path, message_type: type[M], skipped: list[str] | None = None) -> Iterator[M]:
    """Parses one file; a bad line raises ``ValidationError`` naming file and line — or, given
    ``skipped``, is left out and described there (``flights.jsonl:3: …``), one line each."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json_format.Parse(line, message_type())
            except json_format.ParseError as exc:
                if skipped is None:
                    raise ValidationError([FieldViolation(f"{path.name}:{number}", str(exc))]) from None
                skipped.append(f"{path.name}:{number}: {truncate(str(exc))}")


T = TypeVar("T")


_BLOCK_BYTES = 1 << 22  # read at a time: large enough that the per-block work is nothing


@dataclass(frozen=True, slots=True)
class LineBlock:
    """Consecutive lines of a file, without their newlines: ``number`` is the 1-based line
    number of ``lines[0]``, ``position`` the 0-based item index of its first non-blank line;
    ``dense`` when none of them is blank (so line ``i`` is item ``position + i``); ``ended``
    when the last line had a newline (only the file's last line may lack one)."""

    number: int
    position: int
    lines: list[bytes]
    dense: bool
    ended: bool = True

    def line(self, offset: int) -> bytes:
        """Line ``offset`` as the file holds it, newline included (a parser's error message
        names line and column, so the reference path sees exactly what it always saw)."""
        last = offset == len(self.lines) - 1
        return self.lines[offset] if last and not self.ended else self.lines[offset] + b"\n"


def line_blocks(path: Path) -> Iterator[LineBlock]:
    """The file in blocks of whole lines (nothing if it does not exist): splitting and counting
    in C, so that a caller's fast path pays per block, not per line."""
    if not path.exists():
        return
    number, position, rest = 1, 0, b""
    with path.open("rb") as data:
        while chunk := data.read(_BLOCK_BYTES):
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            block = _block(number, position, lines, ended=True)
            number, position = number + len(lines), position + _items(block)
            yield block
    if rest:
        yield _block(number, position, [rest], ended=False)


def _block(number: int, position: int, lines: list[bytes], ended: bool) -> LineBlock:
    dense = all(lines) and not any(map(bytes.isspace, lines))
    return LineBlock(number, position, lines, dense, ended)


def _items(block: LineBlock) -> int:
    # A blank line is rare (the end of a hand-edited file): only then are the lines stripped.
    return len(block.lines) if block.dense else sum(1 for line in block.lines if line.strip())


def decode_block(
    block: LineBlock, path: Path, name: str, decode: Callable[[bytes, str, str], T]
) -> Iterator[T | ValidationError]:
    """Each non-blank line of ``block`` decoded, or the ``ValidationError`` saying why not (the
    item index in field paths, ``file:line`` when the line is not even a message)."""
    index = block.position
    for offset, line in enumerate(block.lines):
        if not line.strip():
            continue
        try:
            yield decode(block.line(offset), f"{name}[{index}].", f"{path.name}:{block.number + offset}")
        except ValidationError as exc:
            yield exc
        except DomainError as exc:
            yield ValidationError([FieldViolation(f"{name}[{index}]", str(exc))])
        index += 1


def _stream(
    path: Path,
    name: str,
    decode: Callable[[bytes, str, str], T],
    fast: Callable[[list[bytes]], list[T] | None] | None = None,
) -> Iterator[T | ValidationError]:
    """Each line decoded (see ``decode_block``).  ``fast`` may decode a dense block at once, or
    return None to leave it to ``decode`` line by line (it must then yield what ``decode`` would)."""
    for block in line_blocks(path):
        items = fast(block.lines) if fast is not None and block.dense else None
        if items is None:
            yield from decode_block(block, path, name, decode)
        else:
            yield from items


def stream_legs(folder: Path) -> Iterator[FlightLeg | ValidationError]:
    return _stream(folder / "flights.jsonl", "flights", LegDecoder().decode)


def stream_bookings(folder: Path) -> Iterator[Booking | ValidationError]:
    decoder = BookingDecoder()
    return _stream(folder / "bookings.jsonl", "bookings", decoder.decode, decoder.decode_block)


def stream_events(folder: Path) -> Iterator[FlightEvent | ValidationError]:
    from rebook.flightops.convert import event_from_proto

    def decode(line: bytes, field: str, where: str) -> FlightEvent:
        message = parse_line(line, event_pb2.FlightEvent, where)
        return event_from_proto(message, field=field.removesuffix("."))

    return _stream(folder / "events.jsonl", "events", decode)


def stream_ping_errors(folder: Path) -> Iterator[ValidationError | None]:
    """One item per ping: None when it is a valid ``LocationPing``, else why not."""
    return _stream(folder / "pings.jsonl", "pings", lambda line, field, where: check_ping(line, where))


@dataclass
class ReadItems(Generic[T]):
    """What a scenario file held: the items that decoded, their positions in the file (0-based,
    blank lines not counted), and the refused ones (``kind`` names the file in reports)."""

    kind: str
    items: list[T] = field(default_factory=list)
    # 8 bytes an item (a list of ints costs 40 above 256: 59 MB for 1.5 M bookings)
    positions: array[int] = field(default_factory=lambda: array("q"))
    rejected: list[Rejected] = field(default_factory=list)

    def paths(self) -> list[str]:
        """The field path of each item, as violations name it (``flights[3]``)."""
        return [f"{self.kind}[{i}]" for i in self.positions]

    def refuse(self, position: int, item_id: str, error: DomainError) -> None:
        self.rejected.append(Rejected(position, item_id, error))


def read_items(kind: str, stream: Iterable[T | ValidationError]) -> ReadItems[T]:
    """Every item of a ``stream_*`` reader, each bad line a rejection of its own."""
    read: ReadItems[T] = ReadItems(kind)
    for position, item in enumerate(stream):
        if isinstance(item, ValidationError):
            read.refuse(position, "", item)
        else:
            read.items.append(item)
            read.positions.append(position)
    return read


def read_bookings(folder: Path) -> ReadItems[Booking]:
    """``read_items("bookings", stream_bookings(folder))``, a block at a time: a block the fast
    path builds whole is added in one step, the others item by item."""
    path, decoder = folder / "bookings.jsonl", BookingDecoder()
    read: ReadItems[Booking] = ReadItems("bookings")
    for block in line_blocks(path):
        items = decoder.decode_block(block.lines) if block.dense else None
        if items is not None:
            read.items.extend(items)
            read.positions.extend(range(block.position, block.position + len(items)))
            continue
        for position, item in enumerate(decode_block(block, path, "bookings", decoder.decode), block.position):
            if isinstance(item, ValidationError):
                read.refuse(position, "", item)
            else:
                read.items.append(item)
                read.positions.append(position)
    return read


def require_folder(folder: Path) -> None:
    if not (folder / "flights.jsonl").is_file():
        raise FileNotFoundError(f"{folder} is not a scenario folder: flights.jsonl is missing")


def bulk_load() -> AbstractContextManager[None]:
    """The collector off while millions of long-lived objects are made, and those objects frozen
    afterwards, so that later collections skip them too."""
    return cyclic_gc_paused(freeze=True)


def write_messages(path: Path, messages: Iterable[Message]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for message in messages:
            out.write(message_json_line(message))
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
        require_folder(folder)
        return cls(
            flights=list(read_messages(folder / "flights.jsonl", flight_pb2.FlightLeg)),
            bookings=list(read_messages(folder / "bookings.jsonl", booking_pb2.Booking)),
            events=list(read_messages(folder / "events.jsonl", event_pb2.FlightEvent)),
            pings=list(read_messages(folder / "pings.jsonl", location_pb2.LocationPing)),
        )

    @classmethod
    def read(cls, folder: Path) -> tuple[Scenario, list[str]]:
        """As ``load``, but every line that is not a message is left out and described, one line
        each (``rebook replay`` sends what it can read and reports the rest)."""
        require_folder(folder)
        skipped: list[str] = []
        scenario = cls(
            flights=list(read_messages(folder / "flights.jsonl", flight_pb2.FlightLeg, skipped)),
            bookings=list(read_messages(folder / "bookings.jsonl", booking_pb2.Booking, skipped)),
            events=list(read_messages(folder / "events.jsonl", event_pb2.FlightEvent, skipped)),
            pings=list(read_messages(folder / "pings.jsonl", location_pb2.LocationPing, skipped)),
        )
        return scenario, skipped

    def save(self, folder: Path) -> dict[str, int]:
        folder.mkdir(parents=True, exist_ok=True)
        return {
            "flights": write_messages(folder / "flights.jsonl", self.flights),
            "bookings": write_messages(folder / "bookings.jsonl", self.bookings),
            "events": write_messages(folder / "events.jsonl", self.events),
            "pings": write_messages(folder / "pings.jsonl", self.pings),
        }

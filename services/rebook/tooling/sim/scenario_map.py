"""Changing a whole scenario: ``map_scenario`` walks it once, lets a ``ScenarioMap`` edit a copy
of each message, and keeps the references between messages whole — a leg whose carrier,
flight number, operating date or origin changed gets its new leg id, and the bookings'
segments and the events on it follow.

The mappings in use: ``shift_scenario`` (``rebook replay``'s time shift), ``rename_scenario``
(``rebook replay --rename``) and the demo's per-run namespace
(``tooling.demo.scenario.namespace_scenario``).  ``MessageMapper`` is the same walk one message
at a time, for a scenario too large to hold as protobuf messages (``rebook bench cancellations
--service`` shifts 1.5 M bookings on their way to Kafka with ``time_shift``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from rebook.domain.model import make_leg_id
from rebook.v1 import booking_pb2, event_pb2, flight_pb2, location_pb2

from .scenario import Scenario

M = TypeVar("M", bound=Message)
_TIMESTAMP = Timestamp.DESCRIPTOR.full_name


@dataclass(frozen=True, slots=True)
class ScenarioMap:
    """How each kind of message changes: a function that edits a copy in place.  ``None``
    leaves that kind as it is (the same message, not a copy) but for the leg ids it names."""

    leg: Callable[[flight_pb2.FlightLeg], None] | None = None
    booking: Callable[[booking_pb2.Booking], None] | None = None
    event: Callable[[event_pb2.FlightEvent], None] | None = None
    ping: Callable[[location_pb2.LocationPing], None] | None = None


class MessageMapper:
    """``map_scenario`` one message at a time: every leg first (``leg`` notes the leg ids it
    renames), then the bookings, events and pings, which follow those renames.  Each method
    returns a changed copy, or the message itself when nothing changes."""

    def __init__(self, mapping: ScenarioMap) -> None:
        self.mapping = mapping
        self.renamed: dict[str, str] = {}  # old leg id -> new, of the legs mapped so far

    def leg(self, leg: flight_pb2.FlightLeg) -> flight_pb2.FlightLeg:
        return _mapped_leg(leg, self.mapping.leg, self.renamed)

    def booking(self, booking: booking_pb2.Booking) -> booking_pb2.Booking:
        renamed = self.renamed
        moved = _mapped(booking, self.mapping.booking, any(s.leg_id in renamed for s in booking.segments))
        if moved is not booking:
            for segment in moved.segments:
                segment.leg_id = renamed.get(segment.leg_id, segment.leg_id)
        return moved

    def event(self, event: event_pb2.FlightEvent) -> event_pb2.FlightEvent:
        moved = _mapped(event, self.mapping.event, event.leg_id in self.renamed)
        if moved is not event:
            moved.leg_id = self.renamed.get(moved.leg_id, moved.leg_id)
        return moved

    def ping(self, ping: location_pb2.LocationPing) -> location_pb2.LocationPing:
        return _mapped(ping, self.mapping.ping, False)


def map_scenario(scenario: Scenario, mapping: ScenarioMap) -> Scenario:
    """A copy of ``scenario`` changed by ``mapping``; the original is left untouched.  An error
    a mapping raises (a value it cannot change) comes out before anything is returned."""
    mapper = MessageMapper(mapping)
    flights = [mapper.leg(leg) for leg in scenario.flights]
    bookings = [mapper.booking(booking) for booking in scenario.bookings]
    events = [mapper.event(event) for event in scenario.events]
    pings = [mapper.ping(ping) for ping in scenario.pings]
    return Scenario(flights, bookings, events, pings)


def _mapped(message: M, edit: Callable[[M], None] | None, names_renamed_leg: bool) -> M:
    if edit is None and not names_renamed_leg:
        return message
    moved = copy.deepcopy(message)
    if edit is not None:
        edit(moved)
    return moved


def _mapped_leg(
    leg: flight_pb2.FlightLeg, edit: Callable[[flight_pb2.FlightLeg], None] | None, renamed: dict[str, str]
) -> flight_pb2.FlightLeg:
    if edit is None:
        return leg
    moved = copy.deepcopy(leg)
    edit(moved)
    identity = (moved.carrier, moved.flight_number, moved.operating_date, moved.origin)
    if identity != (leg.carrier, leg.flight_number, leg.operating_date, leg.origin):
        operating = date.fromisoformat(moved.operating_date)
        moved.leg_id = make_leg_id(moved.carrier, moved.flight_number, operating, moved.origin)
        renamed[leg.leg_id] = moved.leg_id
    return moved


# ---- the time shift -------------------------------------------------------------------


def shift_timestamps(message: Message, delta: timedelta) -> None:
    """Moves every ``Timestamp`` in ``message`` (nested and repeated ones too) by ``delta``."""
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        items = value if descriptor.is_repeated else (value,)
        if descriptor.message_type.full_name == _TIMESTAMP:
            for stamp in items:
                stamp.FromDatetime(stamp.ToDatetime(tzinfo=UTC) + delta)
        elif descriptor.message_type.GetOptions().map_entry:
            continue
        else:
            for item in items:
                shift_timestamps(item, delta)


def time_shift(delta: timedelta) -> ScenarioMap:
    """The mapping that moves every instant by ``delta`` and operating dates by the nearest
    whole number of days (leg ids follow them through ``map_scenario`` or ``MessageMapper``)."""
    days = timedelta(days=round(delta / timedelta(days=1)))

    def shift(message: Message) -> None:
        shift_timestamps(message, delta)

    def leg(moved: flight_pb2.FlightLeg) -> None:
        shift(moved)
        if days:
            moved.operating_date = (date.fromisoformat(moved.operating_date) + days).isoformat()

    return ScenarioMap(leg=leg, booking=shift, event=shift, ping=shift)


def shift_scenario(scenario: Scenario, delta: timedelta) -> Scenario:
    """A copy with every instant moved by ``delta``, operating dates by the nearest whole
    number of days, and leg ids renamed to match (bookings and events follow)."""
    if not delta:
        return scenario
    return map_scenario(scenario, time_shift(delta))


# ---- replaying as new data --------------------------------------------------------------


def rename_scenario(scenario: Scenario, tag: str) -> Scenario:
    """A copy that the services take as new: ``tag`` (one letter A-Z) is added to every flight
    number (as its operational suffix; leg ids follow), record locator and event id.  A second
    replay of the same folder otherwise changes nothing: the services know every event id and
    booking version.  ``ValueError`` when a flight number already has a suffix or a record
    locator is already 8 characters long (the tag would not fit)."""
    if len(tag) != 1 or not ("A" <= tag <= "Z"):
        raise ValueError(f"--rename takes one letter A-Z, got {tag!r}")

    def leg(moved: flight_pb2.FlightLeg) -> None:
        if not moved.flight_number.isdigit():
            raise ValueError(f"--rename: flight {moved.carrier}{moved.flight_number} already has a suffix letter")
        moved.flight_number += tag

    def booking(moved: booking_pb2.Booking) -> None:
        if len(moved.record_locator) >= 8:
            raise ValueError(f"--rename: record locator {moved.record_locator} has no room for a tag")
        moved.record_locator += tag

    def event(moved: event_pb2.FlightEvent) -> None:
        moved.event_id = f"{moved.event_id}-{tag}"

    return map_scenario(scenario, ScenarioMap(leg=leg, booking=booking, event=event))

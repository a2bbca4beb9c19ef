"""Which airport each passenger must depart from next, from bookings and flight legs (pure).

A booking's next segment is its first segment whose leg has not departed yet; a passenger on
several bookings departs next from the earliest of those segments.  A segment's airport is
its leg's origin, or the origin encoded in a canonical leg id while the leg itself is not
known yet (``{carrier}{number}-{YYYY-MM-DD}-{origin}``).

``TargetBook`` is fed the latest booking or leg (``None`` for a tombstone) and returns the
passengers whose target changed, with the new airport (``""`` when none is left).  Not
thread-safe: one feed (the view loop) owns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from rebook.domain.model import Booking, FlightLeg, Segment

_LEG_ORIGIN = re.compile(r"-\d{4}-\d{2}-\d{2}-([A-Z]{3})$")
_UNKNOWN_DEPARTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Trips:
    """What the locator may reveal against: a passenger's booked carriers and airports."""

    carriers: frozenset[str] = frozenset()
    airports: frozenset[str] = frozenset()


class TargetBook:
    """Bookings and legs in, changed next-departure airports per passenger out."""

    def __init__(self) -> None:
        self._bookings: dict[str, Booking] = {}
        self._legs: dict[str, FlightLeg] = {}
        self._bookings_of_passenger: dict[str, set[str]] = {}
        self._bookings_on_leg: dict[str, set[str]] = {}
        self._targets: dict[str, str] = {}

    def target(self, passenger_id: str) -> str:
        """The departure airport of the passenger's next segment, or ``""``."""
        return self._targets.get(passenger_id, "")

    def trips(self, passenger_id: str) -> Trips:
        """Carriers and airports of the passenger's bookings.  Safe to call from other threads
        while the feed updates the book: the containers are copied in one C-level step."""
        bookings = [self._bookings.get(locator) for locator in tuple(self._bookings_of_passenger.get(passenger_id, ()))]
        carriers: set[str] = set()
        airports: set[str] = set()
        for booking in bookings:
            if booking is None:
                continue
            carriers.add(booking.carrier)
            for segment in booking.segments:
                leg = self._legs.get(segment.leg_id)
                carriers.add(leg.carrier if leg is not None else booking.carrier)
                airports.update(a for a in (self._origin(segment), leg.destination if leg else "") if a)
        return Trips(frozenset(c for c in carriers if c), frozenset(airports))

    def apply_booking(self, record_locator: str, booking: Booking | None) -> dict[str, str]:
        """Store (or, for ``None``, delete) a booking; returns ``{passenger_id: new target}``."""
        old = self._bookings.pop(record_locator, None)
        touched = self._unindex(record_locator, old)
        if booking is not None:
            self._bookings[record_locator] = booking
            touched |= self._index(record_locator, booking)
        return self._recompute(touched)

    def apply_leg(self, leg_id: str, leg: FlightLeg | None) -> dict[str, str]:
        """Store (or delete) a leg; returns ``{passenger_id: new target}`` for its passengers."""
        if leg is None:
            self._legs.pop(leg_id, None)
        else:
            self._legs[leg_id] = leg
        touched = {
            passenger.passenger_id
            for locator in self._bookings_on_leg.get(leg_id, ())
            for passenger in self._bookings[locator].passengers
        }
        return self._recompute(touched)

    def _index(self, record_locator: str, booking: Booking) -> set[str]:
        for segment in booking.segments:
            self._bookings_on_leg.setdefault(segment.leg_id, set()).add(record_locator)
        passengers = {passenger.passenger_id for passenger in booking.passengers}
        for passenger_id in passengers:
            self._bookings_of_passenger.setdefault(passenger_id, set()).add(record_locator)
        return passengers

    def _unindex(self, record_locator: str, booking: Booking | None) -> set[str]:
        if booking is None:
            return set()
        for segment in booking.segments:
            _discard(self._bookings_on_leg, segment.leg_id, record_locator)
        passengers = {passenger.passenger_id for passenger in booking.passengers}
        for passenger_id in passengers:
            _discard(self._bookings_of_passenger, passenger_id, record_locator)
        return passengers

    def _recompute(self, passenger_ids: set[str]) -> dict[str, str]:
        changed: dict[str, str] = {}
        for passenger_id in sorted(passenger_ids):
            airport = self._next_airport(passenger_id)
            if airport != self._targets.get(passenger_id, ""):
                changed[passenger_id] = airport
                if airport:
                    self._targets[passenger_id] = airport
                else:
                    del self._targets[passenger_id]
        return changed

    def _next_airport(self, passenger_id: str) -> str:
        upcoming = [
            segment
            for locator in self._bookings_of_passenger.get(passenger_id, ())
            if (segment := self._next_segment(self._bookings[locator])) is not None
        ]
        if not upcoming:
            return ""
        return self._origin(min(upcoming, key=lambda s: (self._departure(s), s.leg_id)))

    def _next_segment(self, booking: Booking) -> Segment | None:
        for segment in booking.segments:
            leg = self._legs.get(segment.leg_id)
            if (leg is None or not leg.departed) and self._origin(segment):
                return segment
        return None

    def _origin(self, segment: Segment) -> str:
        leg = self._legs.get(segment.leg_id)
        if leg is not None:
            return leg.origin
        match = _LEG_ORIGIN.search(segment.leg_id)
        return match.group(1) if match else ""

    def _departure(self, segment: Segment) -> datetime:
        leg = self._legs.get(segment.leg_id)
        return leg.departure if leg is not None else _UNKNOWN_DEPARTURE


def _discard(index: dict[str, set[str]], key: str, value: str) -> None:
    values = index.get(key)
    if values is not None:
        values.discard(value)
        if not values:
            del index[key]

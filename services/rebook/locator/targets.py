"""Feeds the tracker the departure airport of each passenger's next segment.

A ``ViewLoop`` (no consumer group: every instance needs every passenger) reads the bookings
and flights topics from the beginning and follows them; each record goes through the pure
``TargetBook`` and every changed target is set on the tracker, publishing what it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from prometheus_client import CollectorRegistry

from rebook.domain.convert import booking_from_proto, leg_from_proto
from rebook.domain.model import Proximity
from rebook.locator.core.targets import TargetBook, Trips
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.publisher import ProximityPublisher
from rebook.runtime.kafka import EventProducer, PoisonMessageError, Record, ViewLoop
from rebook.runtime.topics import TopicSpec
from rebook.v1 import booking_pb2, flight_pb2

log = logging.getLogger(__name__)


class TargetFeed:
    """The view loop's handler: bookings and legs in, target changes applied and published."""

    def __init__(
        self,
        tracker: ProximityTracker,
        publisher: ProximityPublisher,
        bookings_topic: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._tracker = tracker
        self._publisher = publisher
        self._bookings_topic = bookings_topic
        self._clock = clock
        self._book = TargetBook()

    def target(self, passenger_id: str) -> str:
        """The passenger's next departure airport, if the locator knows that airport ("" else)."""
        airport = self._book.target(passenger_id)
        return airport if airport in self._tracker.index else ""

    def trips(self, passenger_id: str) -> Trips:
        """The carriers and airports of the passenger's bookings (who may ask, against what)."""
        return self._book.trips(passenger_id)

    def handle(self, record: Record) -> None:
        if record.key is None:
            raise PoisonMessageError("a state record needs a key")
        if record.topic == self._bookings_topic:
            booking = record.decode(booking_pb2.Booking)
            changes = self._book.apply_booking(record.key, booking_from_proto(booking) if booking else None)
        else:
            leg = record.decode(flight_pb2.FlightLeg)
            changes = self._book.apply_leg(record.key, leg_from_proto(leg) if leg else None)
        self._publisher.publish(self._retarget(changes), "target")

    def _retarget(self, changes: dict[str, str]) -> list[Proximity]:
        now = self._clock()
        updates = []
        for passenger_id, airport in changes.items():
            if airport and airport not in self._tracker.index:
                log.warning("next departure airport unknown to the locator", extra={"airport": airport})
                airport = ""
            update = self._tracker.set_target(passenger_id, airport, now)
            if update is not None:
                updates.append(update)
        return updates


def target_view(
    bootstrap: str,
    feed: TargetFeed,
    topics: tuple[TopicSpec, TopicSpec],
    dead_letter: TopicSpec,
    producer: EventProducer,
    registry: CollectorRegistry,
) -> ViewLoop:
    """The view loop over (bookings, flights); malformed records go to ``dead_letter``."""
    return ViewLoop(
        bootstrap,
        "locator.targets",
        list(topics),
        feed.handle,
        producer,
        registry,
        dead_letter_topic=dead_letter,
        client_id="rebook-locator",
    )

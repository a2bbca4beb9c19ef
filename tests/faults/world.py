"""The fault suite's world: a namespace of topics of its own on the shared broker, a schedule
with cancelled flights and their bookings published the way the detector and the PSS would,
and the invariants read back from the topics after each fault.

Times are relative to the wall clock: the optimizer *processes* decide with the real clock,
so the schedule must lie ahead of it whatever the date.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rebook.domain.convert import booking_to_proto, disruption_to_proto, leg_to_proto
from rebook.domain.model import (
    Disruption,
    DisruptionKind,
    FlightStatus,
)
from rebook.runtime.kafka import TYPE_HEADER, EventProducer, read_to_end
from rebook.runtime.metrics import new_registry
from rebook.runtime.topics import BOOKINGS, DISRUPTIONS, FLIGHTS, OFFERS
from rebook.tooling.launch import Namespace
from rebook.tooling.sim.generator.cancelled_flights import CARRIER, Network
from rebook.v1 import offer_pb2

HOLDING = {
    offer_pb2.OFFER_STATUS_OPEN,
    offer_pb2.OFFER_STATUS_PROTECTED,
    offer_pb2.OFFER_STATUS_ACCEPTED,
    offer_pb2.OFFER_STATUS_EXPIRED,
}
CURRENT = {offer_pb2.OFFER_STATUS_OPEN, offer_pb2.OFFER_STATUS_UNACCOMMODATED, offer_pb2.OFFER_STATUS_PROTECTED}


def publish_world(bootstrap: str, ns: Namespace, network: Network) -> None:
    """The schedule (cancelled legs already marked) and the bookings, as the detector and PSS would."""
    producer = EventProducer(bootstrap, new_registry())
    try:
        for flight in network.later:
            producer.publish(ns[FLIGHTS], flight.leg_id, leg_to_proto(flight))
        for flight in network.cancelled:
            producer.publish(ns[FLIGHTS], flight.leg_id, leg_to_proto(replace(flight, status=FlightStatus.CANCELLED)))
        for booking in network.bookings:
            producer.publish(ns[BOOKINGS], booking.record_locator, booking_to_proto(booking))
        producer.flush()
    finally:
        producer.close()


def publish_cancellations(bootstrap: str, ns: Namespace, network: Network) -> None:
    now = datetime.now(UTC)
    network.disruptions = [
        Disruption(f"CANCELLATION:{g.leg_id}", 1, DisruptionKind.CANCELLATION, CARRIER, (g.leg_id,), now)
        for g in network.cancelled
    ]
    producer = EventProducer(bootstrap, new_registry())
    try:
        for disruption in network.disruptions:
            producer.publish(ns[DISRUPTIONS], CARRIER, disruption_to_proto(disruption))
        producer.flush()
    finally:
        producer.close()


def read_offers(bootstrap: str, ns: Namespace) -> list[offer_pb2.Offer]:
    """Every offer version on the topic (poison a test put there is left out)."""
    offers = []
    for record in read_to_end(bootstrap, [ns[OFFERS]]):
        if record.value and record.headers.get(TYPE_HEADER) == offer_pb2.Offer.DESCRIPTOR.full_name:
            offers.append(offer_pb2.Offer.FromString(record.value))
    return offers


@dataclass
class Figures:
    """What the topics say after a fault (the closing note's figures)."""

    affected: int
    offered: int  # affected bookings with a current offer of their disruption
    with_seat: int  # ... of which hold a seat
    double_held: int  # seats held beyond a leg's free seats + bookings holding through two offers
    unusable_holds: int  # seats held on a cancelled leg
    duplicates: int  # offer versions published more than once
    offer_records: int

    @property
    def sound(self) -> bool:
        return (
            self.offered == self.affected
            and self.double_held == 0
            and self.unusable_holds == 0
            and self.duplicates == 0
        )


def figures(offers: list[offer_pb2.Offer], network: Network) -> Figures:
    versions = Counter((o.offer_id, o.version) for o in offers)
    latest: dict[str, offer_pb2.Offer] = {}
    for offer in offers:
        if offer.offer_id not in latest or offer.version > latest[offer.offer_id].version:
            latest[offer.offer_id] = offer
    affected = network.affected()
    current = {}
    for offer in latest.values():
        if offer.record_locator in affected and offer.status in CURRENT:
            current[offer.record_locator] = offer
    held: dict[tuple[str, int], int] = defaultdict(int)
    holders: dict[str, int] = defaultdict(int)
    for offer in latest.values():
        if offer.status in HOLDING and offer.holds:
            holders[offer.record_locator] += 1
            for hold in offer.holds:
                held[(hold.leg_id, hold.cabin)] += hold.seats
    legs = network.legs
    cancelled = {g.leg_id for g in network.cancelled}
    overflow = sum(
        max(0, seats - (legs[leg_id].capacity[cabin] - legs[leg_id].sold.get(cabin, 0)))
        for (leg_id, cabin), seats in held.items()
        if leg_id in legs and leg_id not in cancelled
    )
    return Figures(
        affected=len(affected),
        offered=len(current),
        with_seat=sum(1 for o in current.values() if o.holds),
        double_held=overflow + sum(n - 1 for n in holders.values() if n > 1),
        unusable_holds=sum(seats for (leg_id, _), seats in held.items() if leg_id in cancelled),
        duplicates=sum(n - 1 for n in versions.values() if n > 1),
        offer_records=len(offers),
    )


def wait_sound(bootstrap: str, ns: Namespace, network: Network, timeout_s: float = 60.0) -> tuple[Figures, float]:
    """Polls the offers topic until the invariants hold (or the time is up); returns the last
    figures and how long it took."""
    started = time.monotonic()
    while True:
        found = figures(read_offers(bootstrap, ns), network)
        if found.sound or time.monotonic() - started > timeout_s:
            return found, time.monotonic() - started
        time.sleep(0.5)

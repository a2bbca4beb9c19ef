"""A real locator (gRPC server on loopback, target view, Kafka producer) on throwaway topics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from rebook.domain.convert import booking_to_proto, leg_to_proto
from rebook.domain.model import Booking, FlightLeg, Passenger, Segment
from rebook.locator.app import Locator, LocatorConfig, LocatorTopics, build
from rebook.locator.core.settings import LocatorSettings
from rebook.runtime.kafka import EventProducer
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceDeps, serving
from rebook.v1 import passenger_location_service_pb2_grpc as pls_grpc
from tests.helpers.auth import client_channel
from tests.integration.locator.support import make_leg


@dataclass
class Running:
    locator: Locator
    stub: pls_grpc.PassengerLocationServiceStub
    producer: EventProducer
    registry: CollectorRegistry
    topics: LocatorTopics
    bootstrap: str
    passenger: str
    first_leg: FlightLeg
    second_leg: FlightLeg

    def publish_leg(self, leg: FlightLeg) -> None:
        self.producer.publish(self.topics.flights, leg.leg_id, leg_to_proto(leg))
        self.producer.flush()


@pytest.fixture
def topics(make_topic) -> LocatorTopics:
    return LocatorTopics(
        proximity=make_topic("loc-proximity", partitions=3, compacted=True),
        bookings=make_topic("loc-bookings", partitions=2, compacted=True),
        flights=make_topic("loc-flights", partitions=2, compacted=True),
        dead_letter=make_topic("loc-dlq"),
    )


@pytest.fixture
def running(kafka_bootstrap: str, topics: LocatorTopics) -> Iterator[Running]:
    """A booked passenger DEN → LHR → FRA, flights on the topic, a started locator."""
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    passenger = f"pax-{uuid.uuid4().hex}"
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=4)
    first, second = make_leg("DEN", "LHR", soon, "100"), make_leg("LHR", "FRA", soon + timedelta(hours=12), "200")
    segments = (Segment(first.leg_id), Segment(second.leg_id))
    booking = Booking("ABC123", (Passenger(passenger, location_consent=True),), segments)
    for leg in (first, second):
        producer.publish(topics.flights, leg.leg_id, leg_to_proto(leg))
    producer.publish(topics.bookings, booking.record_locator, booking_to_proto(booking))
    producer.flush()
    config = LocatorConfig(settings=replace(LocatorSettings(), stale_after=timedelta(hours=2)), topics=topics)
    service = build(config, ServiceDeps(kafka_bootstrap, producer, registry))
    locator = service.locator
    assert locator is not None
    with serving(service, "127.0.0.1:0", registry, grace_s=0) as server:
        channel = client_channel(server.port)
        assert locator.view.caught_up.wait(30)
        try:
            yield Running(
                locator,
                pls_grpc.PassengerLocationServiceStub(channel),
                producer,
                registry,
                topics,
                kafka_bootstrap,
                passenger,
                first,
                second,
            )
        finally:
            channel.close()
    producer.close()

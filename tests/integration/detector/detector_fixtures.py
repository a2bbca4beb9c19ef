"""A real detector server on loopback over throwaway topics of the real broker."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

import grpc
from prometheus_client import CollectorRegistry

from rebook.detector.app import DetectorConfig, DetectorService, build
from rebook.detector.writer import Topics
from rebook.domain.convert import leg_to_proto
from rebook.domain.model import FlightLeg
from rebook.flightops import Change, FlightEvent
from rebook.flightops.convert import event_to_proto
from rebook.runtime.kafka import EventProducer, Record, read_to_end
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceDeps, serving
from rebook.v1 import disruption_pb2, event_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from tests.helpers.auth import client_channel
from tests.unit.flightops.flightops_helpers import t


@dataclass
class Running:
    """One detector as ``main`` builds it (``rebook.detector.app.build``), served on a free port."""

    service: DetectorService
    serving: ExitStack  # closing it stops the detector as SIGTERM would
    channel: grpc.Channel
    stub: fss_grpc.FlightStatusServiceStub
    registry: CollectorRegistry
    producer: EventProducer

    def stop(self) -> None:
        self.channel.close()
        self.serving.close()
        self.producer.close()


@dataclass
class Detector:
    """Starts detector instances sharing one pair of topics (a second one = a restart)."""

    bootstrap: str
    topics: Topics
    instances: list[Running] = field(default_factory=list)

    def start(self) -> Running:
        registry = new_registry()
        producer = EventProducer(self.bootstrap, registry)
        deps = ServiceDeps(self.bootstrap, producer, registry, clock=lambda: t(5))
        service = build(DetectorConfig(topics=self.topics), deps)
        stack = ExitStack()
        server = stack.enter_context(serving(service, "127.0.0.1:0", registry, grace_s=1))
        channel = client_channel(server.port)
        running = Running(service, stack, channel, fss_grpc.FlightStatusServiceStub(channel), registry, producer)
        self.instances.append(running)
        return running

    def disruption_records(self) -> list[Record]:
        return list(read_to_end(self.bootstrap, [self.topics.disruptions]))

    def published(self) -> Counter[tuple[str, int]]:
        """(disruption id, version) → how often it is on the topic."""
        found: Counter[tuple[str, int]] = Counter()
        for record in self.disruption_records():
            message = record.decode(disruption_pb2.Disruption)
            assert message is not None
            found[(message.disruption_id, message.version)] += 1
        return found


def load(
    stub: fss_grpc.FlightStatusServiceStub, legs: list[FlightLeg], atomic: bool = False
) -> fss.LoadScheduleResponse:
    request = fss.LoadScheduleRequest(legs=[leg_to_proto(leg) for leg in legs], atomic=atomic)
    return stub.LoadSchedule(request, timeout=10)


def event_message(event_id: str, leg_id: str, change: Change, at: datetime) -> event_pb2.FlightEvent:
    return event_to_proto(FlightEvent(event_id, leg_id, at, change))


def report(
    stub: fss_grpc.FlightStatusServiceStub, event_id: str, leg_id: str, change: Change, at: datetime
) -> fss.ReportFlightEventResponse:
    message = event_message(event_id, leg_id, change, at)
    return stub.ReportFlightEvent(fss.ReportFlightEventRequest(event=message), timeout=10)

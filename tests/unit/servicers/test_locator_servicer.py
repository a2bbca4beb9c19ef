"""The locator's servicer in-process (no server, no broker): translation, privacy, access and
error codes through the runtime's interceptor.  The integration tests keep the real broker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from rebook.locator.core.targets import Trips
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.metrics import LocatorMetrics
from rebook.locator.publisher import ProximityPublisher
from rebook.locator.servicer import LocatorDeps, binding
from rebook.runtime.grpc_errors import field_violations
from rebook.runtime.metrics import new_registry
from rebook.runtime.topics import PROXIMITY
from rebook.v1 import location_pb2
from rebook.v1 import passenger_location_service_pb2 as pls
from tests.helpers.auth import client_token, passenger_token
from tests.helpers.in_process import Failed, InProcess

SERVICE = "/rebook.v1.PassengerLocationService"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DEN_TERMINAL = (39.8561, -104.6737)
BOOKED = Trips(carriers=frozenset({"RB"}), airports=frozenset({"DEN"}))


@pytest.fixture(autouse=True)
def development(monkeypatch) -> None:
    monkeypatch.setenv("REBOOK_ENV", "development")


class Delivered:
    """The future of a send Kafka acknowledged."""

    def add_errback(self, _callback) -> Delivered:
        return self

    def get(self, timeout: float | None = None) -> None:
        return None


@dataclass
class RecordingProducer:
    """Keeps what the publisher hands to Kafka: (topic, key, message or None for a tombstone)."""

    sent: list[tuple[str, str, object]] = field(default_factory=list)

    def publish(self, topic, key: str, message, trace_id: str = "") -> Delivered:
        self.sent.append((topic.name, key, message))
        return Delivered()


@pytest.fixture
def locator() -> tuple[InProcess, RecordingProducer]:
    producer, registry = RecordingProducer(), new_registry()
    tracker = ProximityTracker()
    metrics = LocatorMetrics(registry, lambda: tracker.tracked_count)
    publisher = ProximityPublisher(producer, PROXIMITY, metrics, lambda: NOW, tracker.published)  # type: ignore[arg-type]
    deps = LocatorDeps(
        tracker,
        publisher,
        metrics,
        registry,
        target_of=lambda _: "DEN",
        clock=lambda: NOW,
        trips=lambda pid: BOOKED if pid.startswith("pax") else Trips(),
    )
    for passenger in ("pax-1", "pax-2"):
        tracker.set_target(passenger, "DEN", NOW)
    return InProcess([binding(deps)]), producer


def ping(
    pid: str, lat: float, lon: float, when: datetime | None = NOW, consent: bool = True
) -> location_pb2.LocationPing:
    message = location_pb2.LocationPing(passenger_id=pid, latitude=lat, longitude=lon, consent=consent)
    if when is not None:
        message.ping_time.FromDatetime(when)
    return message


def test_a_ping_becomes_a_coarse_proximity_and_no_coordinates_leave(locator) -> None:
    calls, producer = locator
    reply = calls.call(f"{SERVICE}/ReportPing", pls.ReportPingRequest(ping=ping("pax-1", *DEN_TERMINAL)))
    assert reply.published and reply.proximity.passenger_id == "pax-1"
    assert (reply.proximity.nearest_airport, reply.proximity.target_airport) == ("DEN", "DEN")
    assert reply.proximity.band == location_pb2.PROXIMITY_BAND_AT_AIRPORT
    [(topic, key, message)] = producer.sent
    assert (topic, key) == (PROXIMITY.name, "pax-1") and message == reply.proximity
    assert "latitude" not in {f.name for f, _ in message.ListFields()}  # a Proximity has no coordinates
    got = calls.call(f"{SERVICE}/GetProximity", pls.GetProximityRequest(passenger_id="pax-1"), passenger_token("pax-1"))
    assert got.proximity.band == location_pb2.PROXIMITY_BAND_AT_AIRPORT


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (ping("pax-1", 91.0, 0.0), "ping.latitude"),
        (ping("pax-1", 0.0, -181.0), "ping.longitude"),
        (ping("pax-1", *DEN_TERMINAL, when=None), "ping.ping_time"),
        (ping("pax-1", *DEN_TERMINAL, when=NOW + timedelta(days=1)), "ping.ping_time"),
        (ping("", *DEN_TERMINAL), "ping.passenger_id"),
    ],
)
def test_a_bad_ping_is_invalid_argument_naming_the_field_and_nothing_is_published(locator, bad, field) -> None:
    calls, producer = locator
    with pytest.raises(Failed) as raised:
        calls.call(f"{SERVICE}/ReportPing", pls.ReportPingRequest(ping=bad))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(raised.value)
    assert field in {f for f, _ in violations}
    assert all(str(bad.latitude) not in text for _, text in violations)  # never the value itself
    assert producer.sent == []


def test_a_ping_without_consent_is_refused_and_not_looked_at(locator) -> None:
    calls, producer = locator
    with pytest.raises(Failed) as raised:
        calls.call(f"{SERVICE}/ReportPing", pls.ReportPingRequest(ping=ping("pax-1", 91.0, 0.0, consent=False)))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED  # not the bad latitude: consent first
    assert producer.sent == []


def test_a_stream_of_pings_reports_each_bad_one_by_position_and_keeps_the_rest(locator) -> None:
    calls, producer = locator
    stream = [
        pls.ReportPingsRequest(pings=[ping("pax-1", *DEN_TERMINAL), ping("pax-2", 95.0, 0.0)]),
        pls.ReportPingsRequest(pings=[ping("stranger", *DEN_TERMINAL), ping("pax-2", *DEN_TERMINAL)]),
    ]
    reply = calls.call(f"{SERVICE}/ReportPings", stream, client_token(carriers=("RB",)))
    assert (reply.accepted_count, reply.published_count) == (2, 2)
    assert [(r.index, r.code) for r in reply.rejected] == [(1, "INVALID_ARGUMENT"), (2, "PERMISSION_DENIED")]
    assert [key for _, key, _ in producer.sent] == ["pax-1", "pax-2"]


def test_callers_are_checked_before_anything_else(locator) -> None:
    calls, producer = locator
    request = pls.ReportPingRequest(ping=ping("pax-1", *DEN_TERMINAL))
    refusals = {
        "anonymous": ("", grpc.StatusCode.UNAUTHENTICATED),
        "another passenger": (passenger_token("pax-2"), grpc.StatusCode.PERMISSION_DENIED),
        "another airline": (client_token(carriers=("XY",)), grpc.StatusCode.PERMISSION_DENIED),
        "without the role": (client_token(roles=("proximity:read",)), grpc.StatusCode.PERMISSION_DENIED),
    }
    for who, (token, code) in refusals.items():
        with pytest.raises(Failed) as raised:
            calls.call(f"{SERVICE}/ReportPing", request, token)
        assert raised.value.code() == code, who
    assert producer.sent == []
    with pytest.raises(Failed) as unbooked:
        calls.call(
            f"{SERVICE}/GetProximity",
            pls.GetProximityRequest(passenger_id="pax-1", airport="JFK"),
            client_token(carriers=("RB",)),
        )
    assert unbooked.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_forgetting_a_passenger_publishes_the_tombstone(locator) -> None:
    calls, producer = locator
    calls.call(f"{SERVICE}/ReportPing", pls.ReportPingRequest(ping=ping("pax-1", *DEN_TERMINAL)))
    reply = calls.call(
        f"{SERVICE}/ForgetPassenger", pls.ForgetPassengerRequest(passenger_id="pax-1"), passenger_token("pax-1")
    )
    assert reply.forgotten
    assert producer.sent[-1] == (PROXIMITY.name, "pax-1", None)
    after = calls.call(f"{SERVICE}/GetProximity", pls.GetProximityRequest(passenger_id="pax-1"))
    assert after.proximity.band == location_pb2.PROXIMITY_BAND_UNKNOWN

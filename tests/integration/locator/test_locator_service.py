"""The locator over a real broker and a real gRPC server: pings in, proximity on the topic."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from rebook.domain.convert import proximity_from_proto
from rebook.domain.model import FlightStatus, Proximity, ProximityBand
from rebook.locator.maintenance import Maintenance
from rebook.runtime.grpc_errors import error_reason, field_violations
from rebook.runtime.kafka import read_to_end
from rebook.v1 import location_pb2
from rebook.v1 import passenger_location_service_pb2 as pls
from tests.helpers.net import wait_until
from tests.integration.locator.support import DEN_TERMINAL, EAST_OF_DEN, ping


def on_topic(running, passenger: str) -> list[Proximity | None]:
    """Everything published for ``passenger``, in order (None = tombstone)."""
    running.producer.flush()
    found: list[Proximity | None] = []
    for record in read_to_end(running.bootstrap, [running.topics.proximity]):
        if record.key == passenger:
            message = record.decode(location_pb2.Proximity)
            found.append(proximity_from_proto(message) if message else None)
    return found


def drive(passenger: str, steps: int = 150) -> list[location_pb2.LocationPing]:
    """Pings every 10 s along a straight line from 150 km east into DEN, then 10 at the terminal."""
    (lat0, lon0), (lat1, lon1) = EAST_OF_DEN, DEN_TERMINAL
    path = [(lat0 + (lat1 - lat0) * i / steps, lon0 + (lon1 - lon0) * i / steps) for i in range(steps + 1)]
    path += [DEN_TERMINAL] * 10
    start = datetime.now(UTC) - timedelta(seconds=10 * len(path))
    return [ping(passenger, lat, lon, start + timedelta(seconds=10 * i)) for i, (lat, lon) in enumerate(path)]


def stream(running, pings: list[location_pb2.LocationPing], batch: int = 20) -> pls.ReportPingsResponse:
    requests = (pls.ReportPingsRequest(pings=pings[i : i + batch]) for i in range(0, len(pings), batch))
    return running.stub.ReportPings(requests, timeout=30)


def test_driving_to_the_airport_goes_far_nearby_at_airport_with_falling_time_to_gate(running) -> None:
    reply = stream(running, drive(running.passenger))
    assert reply.accepted_count == 161 and not reply.rejected
    assert 3 <= reply.published_count < 80  # debounced
    published = on_topic(running, running.passenger)
    assert len(published) == reply.published_count
    assert all(p is not None and p.target_airport == "DEN" for p in published)
    bands = [p.band for p in published]
    assert bands[0] == ProximityBand.FAR and bands[-1] == ProximityBand.AT_AIRPORT
    assert ProximityBand.NEARBY in bands and bands == sorted(bands, reverse=True)
    times = [p.time_to_gate for p in published]
    assert times == sorted(times, reverse=True) and times[0] > timedelta(hours=2)
    assert [p.ping_time for p in published] == sorted(p.ping_time for p in published)
    current = running.stub.GetProximity(pls.GetProximityRequest(passenger_id=running.passenger), timeout=5)
    assert current.proximity.band == location_pb2.PROXIMITY_BAND_AT_AIRPORT
    assert current.proximity.nearest_airport == "DEN"
    registry = running.registry
    assert registry.get_sample_value("rebook_locator_pings_received_total") == 161
    assert registry.get_sample_value("rebook_locator_proximity_updates_published_total", {"trigger": "ping"}) == len(
        published
    )
    assert registry.get_sample_value("rebook_locator_passengers_tracked") == 1
    assert registry.get_sample_value("rebook_locator_lookup_duration_seconds_count") == 1


def test_departed_flight_moves_the_target_to_the_connection_and_publishes(running) -> None:
    running.stub.ReportPing(pls.ReportPingRequest(ping=ping(running.passenger, *DEN_TERMINAL, datetime.now(UTC))))
    running.publish_leg(replace(running.first_leg, status=FlightStatus.DEPARTED))

    def retargeted() -> bool:
        last = on_topic(running, running.passenger)[-1]
        return last is not None and last.target_airport == "LHR"

    assert wait_until(retargeted, 20)
    last = on_topic(running, running.passenger)[-1]
    assert last.band == ProximityBand.FAR and last.distance_km > 7000
    assert (
        running.registry.get_sample_value("rebook_locator_proximity_updates_published_total", {"trigger": "target"})
        == 1
    )


def test_ping_without_consent_is_permission_denied(running) -> None:
    request = pls.ReportPingRequest(ping=ping(running.passenger, *DEN_TERMINAL, datetime.now(UTC), consent=False))
    with pytest.raises(grpc.RpcError) as denied:
        running.stub.ReportPing(request, timeout=5)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_reason(denied.value) == "NO_LOCATION_CONSENT"
    assert running.registry.get_sample_value("rebook_locator_pings_refused_total", {"reason": "no_consent"}) == 1
    assert on_topic(running, running.passenger) == []


@pytest.mark.parametrize(
    ("lat", "lon", "age", "field"),
    [
        (91.0, 8.5, timedelta(0), "ping.latitude"),
        (-90.5, 8.5, timedelta(0), "ping.latitude"),
        (50.0, 180.01, timedelta(0), "ping.longitude"),
        (math.nan, 8.5, timedelta(0), "ping.latitude"),
        (50.0, math.inf, timedelta(0), "ping.longitude"),
        (50.0, 8.5, timedelta(minutes=-10), "ping.ping_time"),  # future
        (50.0, 8.5, timedelta(days=3), "ping.ping_time"),  # older than the retention
    ],
)
def test_bad_ping_is_invalid_argument_with_field_violation(running, lat, lon, age, field) -> None:
    request = pls.ReportPingRequest(ping=ping(running.passenger, lat, lon, datetime.now(UTC) - age))
    with pytest.raises(grpc.RpcError) as invalid:
        running.stub.ReportPing(request, timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [name for name, _ in field_violations(invalid.value)] == [field]
    assert running.registry.get_sample_value("rebook_locator_pings_refused_total", {"reason": "invalid"}) == 1


def test_ping_without_time_and_unknown_airport_are_invalid_argument(running) -> None:
    no_time = location_pb2.LocationPing(passenger_id=running.passenger, latitude=95, longitude=8, consent=True)
    with pytest.raises(grpc.RpcError) as invalid:
        running.stub.ReportPing(pls.ReportPingRequest(ping=no_time), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {name for name, _ in field_violations(invalid.value)} == {"ping.ping_time", "ping.latitude"}
    with pytest.raises(grpc.RpcError) as unknown:
        running.stub.GetProximity(pls.GetProximityRequest(passenger_id=running.passenger, airport="QQQ"), timeout=5)
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # the all-carrier client may name any airport
    assert [name for name, _ in field_violations(unknown.value)] == ["airport"]


def test_stream_reports_bad_pings_by_stream_index_and_processes_the_rest(running) -> None:
    now = datetime.now(UTC)
    pid = running.passenger
    batches = [
        [ping(pid, *EAST_OF_DEN, now - timedelta(minutes=5)), ping(pid, 91, 0, now)],
        [ping(pid, math.nan, 0, now), ping(pid, *DEN_TERMINAL, now, consent=False)],
        [ping(pid, 40.0, -104.8, now - timedelta(minutes=1)), ping(pid, *DEN_TERMINAL, now + timedelta(hours=1))],
        [ping(pid, *DEN_TERMINAL, now)],
    ]
    requests = iter([pls.ReportPingsRequest(pings=batch) for batch in batches])
    reply = running.stub.ReportPings(requests, timeout=30)
    assert reply.accepted_count == 3
    assert [(r.index, r.code) for r in reply.rejected] == [
        (1, "INVALID_ARGUMENT"),
        (2, "INVALID_ARGUMENT"),
        (3, "PERMISSION_DENIED"),
        (5, "INVALID_ARGUMENT"),
    ]
    assert "ping.latitude" in reply.rejected[0].message
    bands = [p.band for p in on_topic(running, pid)]
    assert bands[0] == ProximityBand.FAR and bands[-1] == ProximityBand.AT_AIRPORT
    registry = running.registry
    assert registry.get_sample_value("rebook_locator_pings_received_total") == 7
    assert registry.get_sample_value("rebook_locator_pings_refused_total", {"reason": "invalid"}) == 3
    assert registry.get_sample_value("rebook_locator_pings_refused_total", {"reason": "no_consent"}) == 1


def test_forget_deletes_what_is_held_and_publishes_a_tombstone(running) -> None:
    pid = running.passenger
    running.stub.ReportPing(pls.ReportPingRequest(ping=ping(pid, *DEN_TERMINAL, datetime.now(UTC))), timeout=5)
    assert running.stub.ForgetPassenger(pls.ForgetPassengerRequest(passenger_id=pid), timeout=10).forgotten
    published = on_topic(running, pid)
    assert published[0] is not None and published[-1] is None
    after = running.stub.GetProximity(pls.GetProximityRequest(passenger_id=pid), timeout=5).proximity
    assert after.band == location_pb2.PROXIMITY_BAND_UNKNOWN and after.target_airport == "DEN"
    assert running.registry.get_sample_value("rebook_locator_passengers_tracked") == 0
    again = running.stub.ForgetPassenger(pls.ForgetPassengerRequest(passenger_id=pid), timeout=10)
    assert not again.forgotten
    with pytest.raises(grpc.RpcError) as invalid:
        running.stub.ForgetPassenger(pls.ForgetPassengerRequest(passenger_id=""), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_maintenance_publishes_stale_proximities_and_tombstones_for_expired_pings(running) -> None:
    pid, locator = running.passenger, running.locator
    settings = locator.tracker.settings
    sent = datetime.now(UTC)

    def maintenance_at(when: datetime) -> Maintenance:
        return Maintenance(locator.tracker, locator.publisher, lambda: when)

    running.stub.ReportPing(pls.ReportPingRequest(ping=ping(pid, *DEN_TERMINAL, sent)), timeout=5)
    assert maintenance_at(sent).run_once() == (0, 0)
    assert maintenance_at(sent + settings.stale_after + timedelta(seconds=1)).run_once() == (1, 0)
    assert on_topic(running, pid)[-1].stale
    # Once past the retention, the ping is dropped and its proximity deleted.
    assert maintenance_at(sent + settings.retention + timedelta(seconds=1)).run_once() == (0, 1)
    assert on_topic(running, pid)[-1] is None
    assert (
        running.registry.get_sample_value("rebook_locator_proximity_tombstones_published_total", {"reason": "expired"})
        == 1
    )

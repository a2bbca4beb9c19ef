"""Raw coordinates never leave the locator: not on Kafka, not in logs, not in metrics.

Runs ``rebook locator`` as a real process (debug logging, fast maintenance) on throwaway
topics, drives every path that sees coordinates (good, bad and refused pings, lookups,
forget, stale and dead-letter handling) and then searches everything it emitted.
"""

from __future__ import annotations

import math
import os
import signal
import struct
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.domain.convert import booking_to_proto, leg_to_proto
from rebook.domain.model import Booking, Passenger, Segment
from rebook.runtime.kafka import EventProducer, read_to_end
from rebook.runtime.metrics import new_registry
from rebook.v1 import passenger_location_service_pb2 as pls
from rebook.v1 import passenger_location_service_pb2_grpc as pls_grpc
from tests.helpers.auth import client_channel
from tests.helpers.net import free_port, wait_until
from tests.integration.locator.support import make_leg, ping

# Distinctive positions around Seattle (SEA) and invalid ones with as many digits.
GOOD = [(47.4312876, -122.3087913), (47.6205063, -122.3492774), (47.5891234, -122.2984567)]
BAD = [(91.3456789, -122.4567891), (-47.1234987, 181.9876543)]


def renderings(value: float) -> set[str]:
    texts = {repr(value), str(value), f"{value:.3f}", f"{value:.4f}", f"{value:.5f}", f"{value:.6f}", f"{value:.7f}"}
    return texts | {f"{value:.2f}"} if abs(value) >= 100 else texts


def binary(value: float) -> set[bytes]:
    return {struct.pack("<d", value), struct.pack(">d", value), struct.pack("<f", value)}


def start_locator(bootstrap: str, topics: dict[str, str]) -> tuple[subprocess.Popen, int, int]:
    grpc_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "REBOOK_KAFKA_BOOTSTRAP": bootstrap,
        "REBOOK_LOCATOR_GRPC_PORT": str(grpc_port),
        "REBOOK_LOCATOR_METRICS_PORT": str(metrics_port),
        "REBOOK_LOG_LEVEL": "DEBUG",
        "REBOOK_LOCATOR_STALE_AFTER": "2s",
        "REBOOK_LOCATOR_MAINTENANCE_INTERVAL": "1s",
        **{f"REBOOK_LOCATOR_{name.upper()}_TOPIC": topic for name, topic in topics.items()},
    }
    command = [sys.executable, "-m", "rebook.cli", "locator"]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True), grpc_port, metrics_port


def serving(channel: grpc.Channel) -> bool:
    request = health_pb2.HealthCheckRequest(service="rebook.v1.PassengerLocationService")
    try:
        return health_pb2_grpc.HealthStub(channel).Check(request, timeout=1).status == 1
    except grpc.RpcError:
        return False


def exercise(stub: pls_grpc.PassengerLocationServiceStub, passenger: str) -> None:
    now = datetime.now(UTC)
    stub.ReportPing(pls.ReportPingRequest(ping=ping(passenger, *GOOD[0], now - timedelta(seconds=30))), timeout=5)
    for lat, lon in BAD:
        try:
            stub.ReportPing(pls.ReportPingRequest(ping=ping(passenger, lat, lon, now)), timeout=5)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    pings = [
        ping(passenger, *GOOD[1], now - timedelta(seconds=20)),
        ping(passenger, *BAD[0], now),
        ping(passenger, math.nan, GOOD[2][1], now),
        ping(passenger, *GOOD[2], now, consent=False),
        ping(passenger, *GOOD[2], now + timedelta(hours=3)),
        ping(passenger, *GOOD[2], now - timedelta(seconds=10)),
    ]
    reply = stub.ReportPings(iter([pls.ReportPingsRequest(pings=pings)]), timeout=10)
    assert reply.accepted_count == 2 and len(reply.rejected) == 4
    stub.GetProximity(pls.GetProximityRequest(passenger_id=passenger, airport="SEA"), timeout=5)
    try:
        stub.GetProximity(pls.GetProximityRequest(passenger_id=passenger, airport="QQQ"), timeout=5)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_no_raw_coordinates_on_kafka_in_logs_or_in_metrics(kafka_bootstrap, make_topic) -> None:
    topics = {
        "proximity": make_topic("priv-proximity", compacted=True),
        "bookings": make_topic("priv-bookings", compacted=True),
        "flights": make_topic("priv-flights", compacted=True),
        "dead_letter": make_topic("priv-dlq"),
    }
    producer = EventProducer(kafka_bootstrap, new_registry())
    leg = make_leg("SEA", "FRA", datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5))
    producer.publish(topics["flights"], leg.leg_id, leg_to_proto(leg))
    passengers = ["pax-privacy-1", "pax-privacy-2"]
    booking = Booking("PRV001", tuple(Passenger(p) for p in passengers), (Segment(leg.leg_id),))
    producer.publish(topics["bookings"], booking.record_locator, booking_to_proto(booking))
    producer.publish_raw(topics["bookings"].name, b"BROKEN", b"\xff\xfe not a booking", [])  # → dead letter
    producer.flush()
    process, grpc_port, metrics_port = start_locator(kafka_bootstrap, {k: v.name for k, v in topics.items()})
    channel = client_channel(grpc_port)
    try:
        assert wait_until(lambda: serving(channel), 60), "locator never became SERVING"
        stub = pls_grpc.PassengerLocationServiceStub(channel)
        for passenger in passengers:
            exercise(stub, passenger)
        stub.ForgetPassenger(pls.ForgetPassengerRequest(passenger_id=passengers[1]), timeout=10)
        published = lambda: list(read_to_end(kafka_bootstrap, [topics["proximity"]]))  # noqa: E731
        assert wait_until(lambda: any(r.value and b"SEA" in r.value for r in published()), 20)
        assert wait_until(lambda: len(list(read_to_end(kafka_bootstrap, [topics["dead_letter"]]))) == 1, 20)
        assert wait_until(lambda: any(r.headers.get("rebook-type") and _is_stale(r.value) for r in published()), 10)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        logs = process.stderr.read()
    finally:
        channel.close()
        producer.close()
        if process.poll() is None:
            process.kill()
    assert '"message":"stopped"' in logs and "dead-letter" in logs  # the logs were captured
    assert 'rebook_locator_pings_refused_total{reason="invalid"} 10.0' in metrics
    records = list(read_to_end(kafka_bootstrap, [topics["proximity"], topics["dead_letter"]]))
    kafka_bytes = b"".join((r.value or b"") + repr(r.headers).encode() + (r.key or "").encode() for r in records)
    for value in (v for position in (*GOOD, *BAD) for v in position):
        for text in renderings(value):
            assert text not in logs, f"{text} in logs"
            assert text not in metrics, f"{text} in metrics"
            assert text.encode() not in kafka_bytes, f"{text} on Kafka"
        for raw in binary(value):
            assert raw not in kafka_bytes, f"binary {value} on Kafka"


def _is_stale(value: bytes | None) -> bool:
    from rebook.v1 import location_pb2

    return value is not None and location_pb2.Proximity.FromString(value).stale

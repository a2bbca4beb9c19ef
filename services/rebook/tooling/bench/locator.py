"""``rebook bench locator``: sustained ping throughput and ping → proximity-on-Kafka latency.

Starts ``rebook locator`` as a separate process against the real broker, on throwaway topics
(bookings giving each simulated passenger a departure airport, flights, proximity, dead
letter; deleted afterwards).  Simulated passengers drive towards their airport, each ping a
step closer (starting over far away on arrival), so a share of pings publish a proximity.
Several client streams send ``ReportPings`` batches for a fixed duration; a consumer of the
proximity topic measures, per published proximity, wall clock at receipt minus its
``ping_time`` (set when the batch was built, just before sending).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from rebook.domain.convert import booking_to_proto, leg_to_proto
from rebook.runtime.auth import tool_token
from rebook.runtime.config import DEFAULT_KAFKA_BOOTSTRAP, Env
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.kafka import EventProducer
from rebook.runtime.kafka_admin import ensure_topics
from rebook.runtime.metrics import new_registry
from rebook.runtime.topics import BOOKINGS, DEAD_LETTER, FLIGHTS, PROXIMITY, TopicSpec
from rebook.tooling.args import non_negative_float, positive_float, positive_int
from rebook.tooling.net import free_port
from rebook.tooling.sim.generator.drivers import Driver, drivers_schedule, make_drivers
from rebook.tooling.stats import quantile
from rebook.v1 import location_pb2
from rebook.v1 import passenger_location_service_pb2 as pls
from rebook.v1 import passenger_location_service_pb2_grpc as pls_grpc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=positive_float, default=15.0, help="seconds of measured streaming")
    parser.add_argument("--passengers", type=positive_int, default=20000, help="simulated passengers")
    parser.add_argument("--streams", type=positive_int, default=2, help="concurrent ReportPings streams")
    parser.add_argument("--batch", type=positive_int, default=500, help="pings per stream message")
    parser.add_argument("--step-km", type=non_negative_float, default=0.5, help="how far a passenger moves per ping")
    parser.add_argument(
        "--calls-of", type=positive_int, default=1, help="batches per ReportPings call (bounds in-flight)"
    )
    parser.add_argument(
        "--rate", type=non_negative_float, default=0.0, help="target pings/s over all streams (0 = flat out)"
    )


def _topics(run_id: str) -> dict[str, TopicSpec]:
    base = {"proximity": PROXIMITY, "bookings": BOOKINGS, "flights": FLIGHTS, "dead_letter": DEAD_LETTER}
    return {
        name: TopicSpec(f"bench.locator.{run_id}.{name}", spec.partitions, spec.compacted, 3_600_000, "", "")
        for name, spec in base.items()
    }


def _seed(bootstrap: str, topics: dict[str, TopicSpec], drivers: list[Driver]) -> None:
    """The drivers' flights and bookings (``drivers_schedule``) on the bench's topics."""
    legs, bookings = drivers_schedule(drivers, datetime.now(UTC))
    producer = EventProducer(bootstrap, new_registry(), linger_ms=20)
    for leg in legs:
        producer.publish(topics["flights"], leg.leg_id, leg_to_proto(leg))
    for booking in bookings:
        producer.publish(topics["bookings"], booking.record_locator, booking_to_proto(booking))
    producer.flush()
    producer.close()


def _start_locator(bootstrap: str, topics: dict[str, TopicSpec], grpc_port: int, log: IO[bytes]) -> subprocess.Popen:
    env = {
        **os.environ,
        "REBOOK_KAFKA_BOOTSTRAP": bootstrap,
        "REBOOK_LOCATOR_GRPC_PORT": str(grpc_port),
        "REBOOK_LOCATOR_METRICS_PORT": "0",
        "REBOOK_LOG_LEVEL": "INFO",
        **{f"REBOOK_LOCATOR_{name.upper()}_TOPIC": spec.name for name, spec in topics.items()},
    }
    command = [sys.executable, "-m", "rebook.cli", "locator"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)


def _wait_serving(channel: grpc.Channel, server: subprocess.Popen, log: IO[bytes], timeout_s: float = 120.0) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service="rebook.v1.PassengerLocationService")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if health.Check(request, timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"the locator did not become SERVING; its log ends:\n{log.read().decode()[-3000:]}")


class _LatencyProbe:
    """Consumes the proximity topic; latency of every proximity pinged at or after ``since``."""

    def __init__(self, bootstrap: str, topic: TopicSpec) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=20)
        self._consumer.assign([TopicPartition(topic.name, p) for p in range(topic.partitions)])
        self.since = math.inf
        self.latencies_s: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="latency-probe", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=100, max_records=5000).values():
                received = time.time()
                for record in records:
                    if record.value is None:
                        continue
                    stamp = location_pb2.Proximity.FromString(record.value).ping_time
                    sent = stamp.seconds + stamp.nanos / 1e9
                    if sent >= self.since:
                        self.latencies_s.append(received - sent)
        self._consumer.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


class _Sender:
    """One client: consecutive ReportPings calls of ``calls_of`` batches over its passengers."""

    def __init__(self, travellers: list[Driver], args: argparse.Namespace, per_s: float) -> None:
        self._travellers = travellers
        self._size = min(args.batch, len(travellers))
        self._calls_of = args.calls_of
        self._step_km = args.step_km
        self._per_s = per_s
        self._position = 0
        self.replies: list[pls.ReportPingsResponse] = []

    def run(self, stub: pls_grpc.PassengerLocationServiceStub, duration_s: float) -> None:
        started, deadline, sent = time.monotonic(), time.monotonic() + duration_s, 0
        while time.monotonic() < deadline:
            if self._per_s:
                time.sleep(max(0.0, started + sent / self._per_s - time.monotonic()))
            self.replies.append(stub.ReportPings(self._call(), timeout=60))
            sent += self._size * self._calls_of

    def _call(self) -> Iterator[pls.ReportPingsRequest]:
        for _ in range(self._calls_of):
            yield self._batch()

    def _batch(self) -> pls.ReportPingsRequest:
        request = pls.ReportPingsRequest()
        now = time.time()
        seconds, nanos = int(now), int((now - int(now)) * 1e9)
        travellers, position = self._travellers, self._position
        for _ in range(self._size):
            traveller = travellers[position]
            position = (position + 1) % len(travellers)
            lat, lon = traveller.step(self._step_km)
            message = request.pings.add(passenger_id=traveller.passenger_id, latitude=lat, longitude=lon, consent=True)
            message.ping_time.seconds, message.ping_time.nanos = seconds, nanos
        self._position = position
        return request


def _stream_all(
    stub: pls_grpc.PassengerLocationServiceStub, shares: list[list[Driver]], args, duration_s: float
) -> list[pls.ReportPingsResponse]:
    """One sender per share, in parallel, for ``duration_s``; all their replies."""
    per_stream = args.rate / len(shares) if args.rate else 0.0
    senders = [_Sender(share, args, per_stream) for share in shares]
    threads = [threading.Thread(target=sender.run, args=(stub, duration_s)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [reply for sender in senders for reply in sender.replies]


def _measure(bootstrap: str, topics: dict[str, TopicSpec], travellers: list[Driver], args, log: IO[bytes]) -> dict:
    port = free_port()
    server = _start_locator(bootstrap, topics, port, log)
    channel = open_channel(f"127.0.0.1:{port}", tool_token())
    probe = _LatencyProbe(bootstrap, topics["proximity"])
    try:
        _wait_serving(channel, server, log)
        stub = pls_grpc.PassengerLocationServiceStub(channel)
        shares = [travellers[i :: args.streams] for i in range(args.streams)]
        _stream_all(stub, shares, args, 2.0)  # warm-up: first proximity of most passengers
        probe.since = time.time()
        started = time.monotonic()
        replies = _stream_all(stub, shares, args, args.duration)
        elapsed = time.monotonic() - started
        published = sum(r.published_count for r in replies)
        deadline = time.monotonic() + 30
        while len(probe.latencies_s) < published and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        probe.stop()
        channel.close()
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    accepted = sum(r.accepted_count for r in replies)
    return {
        "pings": accepted,
        "pings_per_s": round(accepted / elapsed),
        "published": published,
        "observed": len(probe.latencies_s),
        "p50_ms": round(quantile(probe.latencies_s, 0.50) * 1000, 1),
        "p99_ms": round(quantile(probe.latencies_s, 0.99) * 1000, 1),
        "rejected": sum(len(r.rejected) for r in replies),
        "duration_s": round(elapsed, 2),
        "passengers": args.passengers,
        "streams": args.streams,
        "batch": args.batch,
        "batches_per_call": args.calls_of,
    }


def run(args: argparse.Namespace) -> int:
    bootstrap = Env().str("KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    run_id = uuid.uuid4().hex[:8]
    topics = _topics(run_id)
    ensure_topics(bootstrap, tuple(topics.values()))
    try:
        travellers = make_drivers(run_id, args.passengers, random.Random(7))
        _seed(bootstrap, topics, travellers)
        with tempfile.TemporaryFile() as log:
            result = _measure(bootstrap, topics, travellers, args, log)
    finally:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.delete_topics([spec.name for spec in topics.values()])
        admin.close()
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0

"""``rebook bench detector``: the detector service end to end over gRPC and the real broker.

Starts a detector server as a separate process on two throwaway topics (with the service's own
producer settings, ``REBOOK_DETECTOR_KAFKA_*``), loads a synthetic day (``make_day_schedule``),
then streams a synthetic event stream through ``ReportFlightEvents`` from several client threads
(each thread owns a share of the legs, so every leg's events stay in order; requests are built
and serialised before the clock starts).  A consumer in a third process matches each
disruption to the event that caused it by its ``trace-id`` header (the event id): latency is
event sent → its first disruption consumed, both on the system-wide monotonic clock.  The
topics are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import grpc
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from rebook.detector.app import DetectorConfig, build
from rebook.detector.main import producer_settings
from rebook.detector.writer import Topics
from rebook.domain.convert import leg_to_proto
from rebook.flightops.convert import event_to_proto
from rebook.flightops.events import FlightEvent
from rebook.runtime.auth import tool_token
from rebook.runtime.config import DEFAULT_KAFKA_BOOTSTRAP
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.kafka import TRACE_HEADER, EventProducer
from rebook.runtime.kafka_admin import ensure_topics
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceDeps, serving
from rebook.runtime.topics import DISRUPTIONS, FLIGHTS, TopicSpec
from rebook.tooling.args import non_negative_int, positive_int
from rebook.tooling.sim.generator.detector_day import make_day_schedule, make_event_stream
from rebook.tooling.stats import quantile
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap", default=DEFAULT_KAFKA_BOOTSTRAP, help="Kafka bootstrap servers")
    parser.add_argument("--legs", type=positive_int, default=3000, help="legs in the synthetic day")
    parser.add_argument("--events", type=positive_int, default=20_000, help="flight events to send")
    parser.add_argument("--batch", type=positive_int, default=50, help="events per ReportFlightEvents call")
    parser.add_argument("--threads", type=positive_int, default=4, help="client threads")
    parser.add_argument(
        "--seed", type=non_negative_int, default=0, help="random seed of the generated schedule and events"
    )


# ---- the server process ----------------------------------------------------------------


def serve(bootstrap: str, flights: str, disruptions: str) -> None:
    """Runs a detector on the given topics; prints its port, stops when stdin closes."""
    registry = new_registry()
    producer = EventProducer(bootstrap, registry, client_id="rebook-detector-bench", **producer_settings())
    topics = Topics(_spec(FLIGHTS, flights), _spec(DISRUPTIONS, disruptions))
    service = build(DetectorConfig(topics=topics), ServiceDeps(bootstrap, producer, registry))
    with serving(service, "127.0.0.1:0", registry, grace_s=1) as server:
        print(server.port, flush=True)
        sys.stdin.read()
    producer.close()


def _spec(declared: TopicSpec, name: str) -> TopicSpec:
    """A throwaway copy of a declared topic, deleted after the run anyway."""
    return TopicSpec(name, declared.partitions, declared.compacted, 3_600_000, declared.message_type, declared.key)


# ---- the client ------------------------------------------------------------------------


def _observe(bootstrap: str, topic: str, ready, expected, stop, results) -> None:
    """The observer process: consumes the disruptions topic from its current end and sends
    back (first arrival per trace id, records seen) once ``expected`` (set when the senders
    are done) records came, or ``stop`` is set."""
    first_seen: dict[str, float] = {}
    count = 0
    # The broker checked every batch's CRC on produce; the pure-Python re-check would only
    # slow the observer down.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=5, check_crcs=False)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)  # resolve "end" now, before any event is sent
    ready.set()
    trace_header = TRACE_HEADER
    while not stop.is_set() and not 0 <= expected.value <= count:
        for records in consumer.poll(timeout_ms=50).values():
            now = time.monotonic()
            for record in records:
                for name, value in record.headers or ():
                    if name == trace_header:
                        first_seen.setdefault(value.decode(), now)
                        break
            count += len(records)
    consumer.close()
    results.put((first_seen, count))


class _Observer:
    """Runs ``_observe`` in its own process, so its work competes with neither the server's
    nor the senders' interpreter lock."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._ready, self._stop, self._results = context.Event(), context.Event(), context.Queue()
        self._expected = context.Value("q", -1)
        self._process = context.Process(
            target=_observe,
            args=(bootstrap, topic, self._ready, self._expected, self._stop, self._results),
            daemon=True,
        )
        self._process.start()
        if not self._ready.wait(60):
            raise RuntimeError("the observer did not start")

    def close(self, expected: int, timeout_s: float = 30.0) -> tuple[dict[str, float], int]:
        """Waits up to ``timeout_s`` for ``expected`` records, then stops the observer."""
        self._expected.value = expected
        try:
            first_seen, count = self._results.get(timeout=timeout_s)
        except queue.Empty:
            self._stop.set()
            first_seen, count = self._results.get(timeout=30)
        self._process.join(5)
        return first_seen, count


class _Sender(threading.Thread):
    """Sends its share of events in ``batch``-sized requests, serialised beforehand."""

    def __init__(self, channel: grpc.Channel, events: Sequence[FlightEvent], batch: int) -> None:
        super().__init__(daemon=True)
        self.sent_at: list[float] = []
        self.disruptions = self.rejected = 0
        self._call: grpc.UnaryUnaryMultiCallable[bytes, fss.ReportFlightEventsResponse] = channel.unary_unary(
            "/rebook.v1.FlightStatusService/ReportFlightEvents",
            request_serializer=None,  # the requests below are bytes already
            response_deserializer=fss.ReportFlightEventsResponse.FromString,
        )
        messages = [event_to_proto(e) for e in events]
        self.chunks = [messages[start : start + batch] for start in range(0, len(messages), batch)]
        self._requests = [fss.ReportFlightEventsRequest(events=chunk).SerializeToString() for chunk in self.chunks]

    def run(self) -> None:
        for request in self._requests:
            self.sent_at.append(time.monotonic())
            reply = self._call(request, timeout=60)
            self.disruptions += reply.disruption_count
            self.rejected += sum(1 for r in reply.results if r.error_code)

    def sent_times(self) -> dict[str, float]:
        return {m.event_id: sent for chunk, sent in zip(self.chunks, self.sent_at, strict=True) for m in chunk}


def _stream(args: argparse.Namespace, port: int, disruptions_topic: str) -> dict[str, float | int | str]:
    schedule = make_day_schedule(args.legs, args.seed)
    events = make_event_stream(schedule, args.events, args.seed)
    channel = open_channel(f"127.0.0.1:{port}", tool_token())
    stub = fss_grpc.FlightStatusServiceStub(channel)
    t0 = time.perf_counter()
    stub.LoadSchedule(fss.LoadScheduleRequest(legs=[leg_to_proto(leg) for leg in schedule]), timeout=120)
    load_s = time.perf_counter() - t0
    observer = _Observer(args.bootstrap, disruptions_topic)
    shares: list[list[FlightEvent]] = [[] for _ in range(args.threads)]
    for event in events:
        shares[hash(event.leg_id) % args.threads].append(event)
    senders = [_Sender(channel, share, args.batch) for share in shares]
    start = time.perf_counter()
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    elapsed = time.perf_counter() - start
    expected = sum(s.disruptions for s in senders)
    first_seen, observed = observer.close(expected)
    channel.close()
    sent_at = {k: v for s in senders for k, v in s.sent_times().items()}
    latencies = [(seen - sent_at[trace]) * 1000 for trace, seen in first_seen.items() if trace in sent_at]
    return {
        "legs": args.legs,
        "events": len(events),
        "batch": args.batch,
        "threads": args.threads,
        "server": "subprocess",
        "load_schedule_s": round(load_s, 3),
        "seconds": round(elapsed, 3),
        "events_per_s": round(len(events) / elapsed, 1),
        "p50_ms": round(quantile(latencies, 0.5), 2),
        "p99_ms": round(quantile(latencies, 0.99), 2),
        "disruptions": expected,
        "disruptions_observed": observed,
        "events_with_disruptions": len(latencies),
        "rejected": sum(s.rejected for s in senders),
    }


def run(args: argparse.Namespace) -> int:
    suffix = uuid.uuid4().hex[:8]
    flights, disruptions = _spec(FLIGHTS, f"bench.flights.{suffix}"), _spec(DISRUPTIONS, f"bench.disruptions.{suffix}")
    ensure_topics(args.bootstrap, (flights, disruptions))
    command = [sys.executable, "-m", "rebook.tooling.bench.detector", args.bootstrap, flights.name, disruptions.name]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        result = _stream(args, port, disruptions.name)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(30)
        admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
        admin.delete_topics([flights.name, disruptions.name])
        admin.close()
    result["started"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    serve(*sys.argv[1:4])

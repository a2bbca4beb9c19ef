"""The single writer around the core: one write at a time, published in the order applied.

The store is single-writer, the gRPC pool is not: every write takes ``_lock``, applies to the
store, hands its messages to the producer (so Kafka sees them in applied order) and offers
its disruption versions to the open watch streams.  The lock is released *before* waiting
for Kafka's acknowledgements, so concurrent writes share broker round trips; the RPC returns
only once its own messages are acknowledged (``acks=all``), so an OK reply means durable.

A write that Kafka never acknowledges (or refuses up front) leaves memory ahead of the topics.
The writer then refuses further reads and writes (``PublishError`` → UNAVAILABLE) and calls
``on_failure``: health goes NOT_SERVING and the state is rebuilt from the topics as soon as the
broker answers, which rolls the failed write back, so the sender's retry applies and publishes.

Each flights-topic message carries the latest applied event of each change kind on that leg
(``rebook.detector.applied``), so a restart can tell the core which events it already reflects.

A write of many events is applied whole first and published after, still under the lock:
every disruption version in applied order, but each changed leg only once, in its *final*
state of the write, at the place of its first change.  So the flights topic never falls behind
a disruption already handed to Kafka (a crash mid-write leaves legs ahead, which a restart
heals), compaction sees the same last state per leg, and a batch that moves one rotation
several times sends each leg once.  The RPC waits for one acknowledgement per produce batch,
then checks every message's future.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from rebook.domain.convert import disruption_to_proto, leg_to_proto
from rebook.domain.errors import DomainError
from rebook.domain.model import Disruption, FlightLeg
from rebook.flightops import ApplyResult, FlightEvent, FlightStateStore, LoadResult
from rebook.flightops.events import CHANGE_FIELD
from rebook.runtime.kafka import TRACE_HEADER, TYPE_HEADER, EventProducer
from rebook.runtime.topics import DISRUPTIONS, FLIGHTS, TopicSpec
from rebook.v1 import disruption_pb2, flight_pb2

from . import applied as applied_events
from .metrics import DetectorMetrics

log = logging.getLogger(__name__)

WATCH_QUEUE_SIZE = 10_000
_LEG_TYPE = (TYPE_HEADER, flight_pb2.FlightLeg.DESCRIPTOR.full_name.encode())
_DISRUPTION_TYPE = (TYPE_HEADER, disruption_pb2.Disruption.DESCRIPTOR.full_name.encode())
T = TypeVar("T")


class PublishError(Exception):
    """Kafka did not acknowledge a write; memory may be ahead of the topics."""


@dataclass(frozen=True, slots=True)
class Topics:
    flights: TopicSpec = FLIGHTS
    disruptions: TopicSpec = DISRUPTIONS


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """One event of a write: the core's result and the leg after it, or why it was rejected."""

    event: FlightEvent
    result: ApplyResult | None = None
    leg: FlightLeg | None = None
    error: DomainError | None = None


class Watcher:
    """One WatchDisruptions stream: a bounded queue of matching disruption versions."""

    CLOSED = None  # queued when the server stops, so the stream ends cleanly

    def __init__(self, carrier: str, airport: str) -> None:
        self.carrier, self.airport = carrier, airport
        self.queue: queue.Queue[Disruption | None] = queue.Queue(WATCH_QUEUE_SIZE)
        self.overflowed = False

    def offer(self, disruption: Disruption, airports: set[str]) -> None:
        if self.carrier and disruption.carrier != self.carrier:
            return
        if self.airport and self.airport not in airports:
            return
        try:
            self.queue.put_nowait(disruption)
        except queue.Full:
            self.overflowed = True

    def close(self) -> None:
        try:
            self.queue.put_nowait(Watcher.CLOSED)
        except queue.Full:
            self.overflowed = True


@dataclass
class _Write:
    """One write: what it changed, in applied order, and the futures of its messages.

    ``steps`` holds per applied event (or per load/restore) its trace id, changed legs and
    disruption versions; ``final`` the last state of every changed leg with the trace of the
    event that made it.
    """

    steps: list[tuple[str, Sequence[FlightLeg], Sequence[Disruption]]] = field(default_factory=list)
    final: dict[str, tuple[FlightLeg, str]] = field(default_factory=dict)
    futures: list = field(default_factory=list)
    emitted: int = 0

    def add(self, legs: Sequence[FlightLeg], disruptions: Sequence[Disruption], trace: str) -> None:
        if not legs and not disruptions:
            return
        self.steps.append((trace, legs, disruptions))
        for leg in legs:
            self.final[leg.leg_id] = (leg, trace)
        self.emitted += len(disruptions)


class DetectorWriter:
    def __init__(
        self,
        store: FlightStateStore,
        producer: EventProducer,
        metrics: DetectorMetrics,
        topics: Topics,
        clock: Callable[[], datetime],
        ack_timeout_s: float = 30.0,
    ) -> None:
        self.store = store
        self.topics = topics
        self.ready = threading.Event()  # set once the state was rebuilt from the topics
        self.on_failure: Callable[[], None] = lambda: None
        self._producer = producer
        self._metrics = metrics
        self._clock = clock
        self._ack_timeout_s = ack_timeout_s
        self._lock = threading.Lock()
        self._applied: dict[str, applied_events.AppliedEvents] = {}
        self._applied_header: dict[str, bytes] = {}  # encoded ``_applied`` per leg, until it changes
        self._last_event_time = 0.0
        self._watchers: set[Watcher] = set()
        self._failed = False

    # ---- reads -------------------------------------------------------------------------

    def read(self, query: Callable[[FlightStateStore], T]) -> T:
        """Runs ``query`` against a store no write is changing."""
        with self._lock:
            return query(self.store)

    # ---- writes ------------------------------------------------------------------------

    def load(self, legs: Sequence[FlightLeg], *, atomic: bool = True, paths: Sequence[str] | None = None) -> LoadResult:
        """Loads the schedule (see ``FlightStateStore.load_schedule``); returns once Kafka
        acknowledged every applied leg."""
        write = _Write()
        with self._lock:
            self._check_writable()
            result = self.store.load_schedule(legs, self._clock(), atomic=atomic, paths=paths)
            self._record(result.legs, result.disruptions, "", write)
            self._publish_or_fail(write)
            self._metrics.legs.set(sum(1 for _ in self.store.legs()))
        self._await(write)
        return result

    def apply(self, events: Sequence[FlightEvent], received: float) -> list[EventOutcome]:
        """Applies ``events`` in order, each whole or rejected; returns once Kafka acknowledged."""
        write = _Write()
        with self._lock:
            self._check_writable()
            now = self._clock()
            try:
                outcomes = [self._apply_one(event, now, write) for event in events]
            finally:  # whatever was applied goes out, even if a later event broke unexpectedly
                self._publish_or_fail(write)
        self._await(write)
        if write.emitted:
            elapsed = time.perf_counter() - received
            for _ in range(write.emitted):
                self._metrics.latency.observe(elapsed)
        return outcomes

    def _apply_one(self, event: FlightEvent, now: datetime, write: _Write) -> EventOutcome:
        try:
            result = self.store.apply(event, now)
        except DomainError as error:
            self._metrics.rejected.labels(error.reason).inc()
            return EventOutcome(event, error=error)
        if result.applied:
            self._remember(event)
            self._last_event_time = max(self._last_event_time, event.event_time.timestamp())
            self._metrics.last_event.set(self._last_event_time)
        else:
            self._metrics.ignored.labels("duplicate" if result.duplicate else "stale").inc()
        self._record(result.legs, result.disruptions, event.event_id, write)
        return EventOutcome(event, result, self.store.get_leg(event.leg_id))

    def _remember(self, event: FlightEvent) -> None:
        kind = CHANGE_FIELD[type(event.change)]
        applied = self._applied.setdefault(event.leg_id, {})
        if kind not in applied or applied[kind][1] <= event.event_time:
            applied[kind] = (event.event_id, event.event_time)
            self._applied_header.pop(event.leg_id, None)

    def restore(
        self,
        legs: Iterable[FlightLeg],
        applied: dict[str, applied_events.AppliedEvents],
        disruptions: Iterable[Disruption],
    ) -> int:
        """Replaces the state with what the topics hold; publishes versions missing from them."""
        write = _Write()
        with self._lock:
            now = self._clock()
            missing = self.store.restore(legs, disruptions, now, applied_events.as_events(applied))
            self._applied = applied
            self._applied_header.clear()
            self._record([], missing, "", write)
            self._publish(write)
            self._metrics.legs.set(sum(1 for _ in self.store.legs()))
        self._await(write)
        self.ready.set()
        return len(missing)

    def _check_writable(self) -> None:
        if self._failed:
            raise PublishError("Kafka did not acknowledge an earlier write; rebuilding from the topics, retry shortly")

    def _fail(self, error: Exception) -> None:
        self._failed = True
        self.ready.clear()  # memory may be ahead of the topics: serve nothing until rebuilt
        log.error("kafka did not acknowledge a write; rebuilding from the topics", extra={"error": str(error)})
        self.on_failure()

    def recovered(self) -> None:
        """The state was rebuilt from the topics after a failed write: writes are accepted again."""
        self._failed = False

    def _publish_or_fail(self, write: _Write) -> None:
        try:
            self._publish(write)
        except Exception as error:  # refused at send (too large, no metadata): memory is ahead
            self._fail(error)
            raise PublishError("Kafka refused the write") from error

    # ---- publishing --------------------------------------------------------------------

    def _record(self, legs: Sequence[FlightLeg], disruptions: Sequence[Disruption], trace: str, write: _Write) -> None:
        """Takes note of a step's changes (published by ``_publish``) and tells the watchers now."""
        write.add(legs, disruptions, trace)
        for disruption in disruptions:
            self._metrics.emitted(disruption)
            self._notify(disruption)

    def _publish(self, write: _Write) -> None:
        """Hands the write's messages to Kafka in applied order, each leg once in its final state."""
        now = self._clock()
        sent: set[str] = set()
        futures = write.futures
        disruptions_topic = self.topics.disruptions.name
        publish = self._producer.publish_raw
        for trace, legs, disruptions in write.steps:
            for leg in legs:
                if leg.leg_id not in sent:
                    sent.add(leg.leg_id)
                    final, final_trace = write.final[leg.leg_id]
                    futures.append(self._send_leg(final, now, final_trace))
            if disruptions:
                headers = [(TRACE_HEADER, (trace or uuid.uuid4().hex).encode()), _DISRUPTION_TYPE]
                for disruption in disruptions:
                    value = disruption_to_proto(disruption).SerializeToString(deterministic=True)
                    futures.append(publish(disruptions_topic, disruption.carrier.encode(), value, headers))

    def _send_leg(self, leg: FlightLeg, now: datetime, trace: str):
        applied = self._applied_header.get(leg.leg_id)
        if applied is None:
            applied = self._applied_header[leg.leg_id] = applied_events.encode(self._applied.get(leg.leg_id, {}))
        headers = [(TRACE_HEADER, trace.encode()), _LEG_TYPE, (applied_events.APPLIED_HEADER, applied)]
        value = leg_to_proto(leg, now).SerializeToString(deterministic=True)
        return self._producer.publish_raw(self.topics.flights.name, leg.leg_id.encode(), value, headers)

    def _await(self, write: _Write) -> None:
        """Returns once Kafka acknowledged every message of ``write`` (``EventProducer.await_acks``
        waits once per produce batch)."""
        try:
            self._producer.await_acks(write.futures, self._ack_timeout_s)
        except Exception as error:
            self._fail(error)
            raise PublishError("Kafka did not acknowledge the write") from error

    # ---- watchers ----------------------------------------------------------------------

    def _notify(self, disruption: Disruption) -> None:
        if not self._watchers:
            return
        legs = (self.store.get_leg(leg_id) for leg_id in disruption.leg_ids)
        airports = {code for leg in legs if leg for code in (leg.origin, leg.destination, leg.diverted_to) if code}
        for watcher in self._watchers:
            watcher.offer(disruption, airports)

    @property
    def watching(self) -> int:
        """Open watch streams."""
        return len(self._watchers)

    def watch(self, carrier: str, airport: str) -> Watcher:
        watcher = Watcher(carrier, airport)
        with self._lock:
            self._watchers.add(watcher)
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        with self._lock:
            self._watchers.discard(watcher)

    def close_watchers(self) -> None:
        """Ends every open watch stream cleanly (server shutdown)."""
        with self._lock:
            for watcher in self._watchers:
                watcher.close()

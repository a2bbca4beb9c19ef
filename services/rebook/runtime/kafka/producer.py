"""The idempotent keyed producer of protobuf values, and whether the broker acknowledges it."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from google.protobuf.message import Message
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import DefaultPartitioner
from prometheus_client import CollectorRegistry, Counter

from rebook.runtime.kafka_quirks import CLIENT_SETTINGS, await_acks
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.metrics import per_registry
from rebook.runtime.topics import TopicSpec

from .records import TRACE_HEADER, TYPE_HEADER

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long past its delivery timeout a send may take to be failed by the client's I/O thread.
SETTLE_SLACK_S = 5.0


class NotAcknowledged(KafkaError):
    """Kafka did not acknowledge every send of a group.  Raised only once each send has an
    outcome (acknowledged, or failed for good at the delivery timeout), so ``acknowledged``
    tells which are on the topic: a retry sends only the rest, and nothing lands twice.  A
    send still unresolved after the delivery timeout (a stuck client) counts as not."""

    def __init__(self, cause: Exception, acknowledged: list[bool]) -> None:
        super().__init__(f"{acknowledged.count(False)} of {len(acknowledged)} sends not acknowledged: {cause!r}")
        self.acknowledged = acknowledged

    def of(self, items: Sequence[T]) -> list[T]:
        """The ``items`` (one per send, in order) whose sends Kafka acknowledged."""
        return [item for item, ok in zip(items, self.acknowledged, strict=True) if ok]


class ProducerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "rebook_kafka_messages_produced_total", "Messages handed to Kafka.", ["topic"], registry=registry
        )
        self.failed = Counter(
            "rebook_kafka_produce_failures_total", "Messages Kafka did not acknowledge.", ["topic"], registry=registry
        )


class _MemoPartitioner(DefaultPartitioner):
    """kafka-python's default (Java-compatible murmur2) partitioner, remembering each key's
    partition per topic and partition count: the pure-Python hash is costly per message."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, bytes], int] = {}

    def partition(
        self, topic: str, key: Any, serialized_key: bytes | None, value: Any, serialized_value: Any, cluster: Any
    ) -> int:
        if serialized_key is None:
            default: int = super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            return default
        partitions = cluster.partitions_for_topic(topic)
        memo = (topic, len(partitions) if partitions else 0, serialized_key)
        found = self._known.get(memo)
        if found is None:
            if len(self._known) >= 100_000:
                self._known.clear()
            found = super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            self._known[memo] = found
        return found


def outcomes(futures: Sequence[Any], timeout_s: float) -> list[bool]:
    """Whether each send was acknowledged, once each has an outcome or ``timeout_s`` passed
    (a send still pending then counts as not acknowledged)."""
    deadline = time.monotonic() + timeout_s
    for future in futures:
        if not future.is_done:
            with contextlib.suppress(KafkaError):  # its outcome is read below
                future.get(timeout=max(0.0, deadline - time.monotonic()))
    return [future.is_done and future.succeeded() for future in futures]


class DeliveryWatch:
    """Whether the broker acknowledges what a producer sends: the latest outcome decides.

    Listeners hear each change (``False`` when a send fails, ``True`` when one succeeds
    again); they run on the producer's I/O thread, so they must only set flags, never send.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ok = True
        self._listeners: list[Callable[[bool], None]] = []

    @property
    def ok(self) -> bool:
        return self._ok

    def subscribe(self, listener: Callable[[bool], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
            ok = self._ok
        if not ok:
            listener(False)

    def record(self, ok: bool) -> None:
        with self._lock:
            if ok == self._ok:
                return
            self._ok = ok
            listeners = list(self._listeners)
        log.warning("kafka deliveries %s", "acknowledged again" if ok else "failing")
        for listener in listeners:
            listener(ok)


class EventProducer:
    """Idempotent producer (``acks='all'``): keyed, protobuf values, type and trace headers.

    ``delivery`` tells whether sends are being acknowledged (services report NOT_SERVING while
    they are not, see ``run_service``)."""

    def __init__(
        self,
        bootstrap: str,
        registry: CollectorRegistry,
        client_id: str = "rebook",
        linger_ms: int = 2,
        request_timeout_ms: int = 15000,
        batch_size: int = 16384,
        compression_type: str | None = None,
    ) -> None:
        self._metrics = per_registry(ProducerMetrics, registry)
        self.delivery = DeliveryWatch()
        self._sent: dict[str, Counter] = {}  # the labelled counter per topic, looked up once
        self.delivery_timeout_s = max(30000, request_timeout_ms + linger_ms) / 1000
        self._producer = KafkaProducer(
            **kafka_security(),
            **CLIENT_SETTINGS,
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            batch_size=batch_size,
            compression_type=compression_type,
            partitioner=_MemoPartitioner(),
            retries=2**31 - 1,
            delivery_timeout_ms=int(self.delivery_timeout_s * 1000),
            request_timeout_ms=request_timeout_ms,
            max_in_flight_requests_per_connection=5,
        )

    def publish(self, topic: TopicSpec | str, key: str, message: Message | None, trace_id: str = "") -> Any:
        """Sends ``message`` (``None`` = tombstone); returns kafka-python's future."""
        name = topic if isinstance(topic, str) else topic.name
        headers = [(TRACE_HEADER, (trace_id or uuid.uuid4().hex).encode())]
        value = None
        if message is not None:
            headers.append((TYPE_HEADER, message.DESCRIPTOR.full_name.encode()))
            value = message.SerializeToString(deterministic=True)
        return self.publish_raw(name, key.encode(), value, headers)

    def publish_raw(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> Any:  # kafka-python's FutureRecordMetadata
        try:
            future = self._producer.send(topic, key=key, value=value, headers=headers)
        except KafkaError:
            self.delivery.record(False)
            raise
        sent = self._sent.get(topic)
        if sent is None:
            sent = self._sent[topic] = self._metrics.sent.labels(topic)
        sent.inc()
        future.add_callback(self._on_delivered)
        future.add_errback(lambda exc: self._on_error(topic, exc))
        return future

    def await_acks(self, futures: Iterable[Any], timeout_s: float) -> None:
        """Returns once Kafka acknowledged every one of ``futures`` (sends of this producer).

        Otherwise waits until each has an outcome and raises ``NotAcknowledged``: a caller that
        gave up on a send still in flight, and sent it again, could see both land."""
        futures = list(futures)
        try:
            await_acks(futures, timeout_s)
        except KafkaError as error:
            self.settle(futures, error)

    def publish_all(self, topic: TopicSpec | str, messages: Sequence[tuple[str, Message]], timeout_s: float) -> None:
        """Sends ``(key, message)`` pairs and returns once Kafka acknowledged all of them; raises
        ``NotAcknowledged`` (one flag per pair) otherwise, also when a send cannot even start."""
        futures = []
        try:
            for key, message in messages:
                futures.append(self.publish(topic, key, message))
        except KafkaError as error:
            self.settle(futures, error, total=len(messages))
        self.await_acks(futures, timeout_s)

    def settle(self, futures: list[Any], cause: Exception, total: int | None = None) -> None:
        """Waits (at most the delivery timeout) until every send has an outcome; returns if all
        were acknowledged after all, raises ``NotAcknowledged`` otherwise.  ``total`` counts
        sends that never started (after ``futures``)."""
        acknowledged = outcomes(futures, self.delivery_timeout_s + SETTLE_SLACK_S)
        acknowledged += [False] * ((total or len(futures)) - len(futures))
        if not all(acknowledged):
            raise NotAcknowledged(cause, acknowledged) from cause

    def _on_delivered(self, _metadata: Any) -> None:
        if not self.delivery.ok:
            self.delivery.record(True)

    def _on_error(self, topic: str, exc: Exception) -> None:
        self.delivery.record(False)
        self._metrics.failed.labels(topic).inc()
        log.error("kafka produce failed", extra={"topic": topic, "error": str(exc)})

    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout=timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        self._producer.close(timeout=timeout_s)

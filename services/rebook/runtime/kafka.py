"""Kafka I/O shared by every service: an idempotent keyed producer of protobuf values, a
consumer loop with manual commits and a dead-letter topic, and a reader that rebuilds a view
from a compacted topic.

Message headers: ``rebook-type`` (protobuf full name of the value) and ``trace-id``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.partitioner.default import DefaultPartitioner
from kafka.structs import OffsetAndMetadata
from prometheus_client import CollectorRegistry, Counter, Gauge

from rebook.domain.errors import ValidationError
from rebook.runtime.kafka_quirks import JOIN_RETRIES, JOIN_STALL_S, REBALANCE_STALL_S, assignment_fetchable, await_acks
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.topics import DEAD_LETTER, TopicSpec

log = logging.getLogger(__name__)

TYPE_HEADER = "rebook-type"
TRACE_HEADER = "trace-id"
ERROR_HEADER = "rebook-error"
SOURCE_HEADER = "rebook-source"
CONSUMER_HEADER = "rebook-consumer"

T = TypeVar("T")


class PoisonMessageError(Exception):
    """A message that can never be processed (undecodable, invalid); it goes to the DLQ."""


class BatchNotDone(Exception):
    """Raised by a consumer loop's ``after_batch`` when the batch's side effects are not durable
    (e.g. Kafka did not acknowledge them): nothing is committed and the batch is retried."""


_METRICS: weakref.WeakKeyDictionary[CollectorRegistry, dict[type, object]] = weakref.WeakKeyDictionary()
_METRICS_LOCK = threading.Lock()


def _shared(kind: type[T], registry: CollectorRegistry) -> T:
    """One instance of a metrics holder per registry: several producers or loops in one
    process (e.g. a view loop beside a consumer loop) share the same series."""
    with _METRICS_LOCK:
        per_registry = _METRICS.setdefault(registry, {})
        if kind not in per_registry:
            per_registry[kind] = kind(registry)
        return per_registry[kind]  # type: ignore[return-value]


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

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):
        if serialized_key is None:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        partitions = cluster.partitions_for_topic(topic)
        memo = (topic, len(partitions) if partitions else 0, serialized_key)
        found = self._known.get(memo)
        if found is None:
            if len(self._known) >= 100_000:
                self._known.clear()
            found = super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            self._known[memo] = found
        return found


def broker_listening(bootstrap: str, timeout_s: float = 1.0) -> bool:
    """True when some bootstrap address accepts a TCP connection.  A plain connect answers in
    about a second when nothing listens, where kafka-python's bootstrap blocks ~30 s."""
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def broker_answers(bootstrap: str, timeout_s: float = 3.0) -> str | None:
    """None when the cluster answers a metadata request, else why not (a TCP probe first)."""
    if not broker_listening(bootstrap, min(1.0, timeout_s)):
        return "nothing listens there"
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000), **kafka_security(),
        )
        try:
            admin.describe_cluster()
        finally:
            admin.close()
    except (KafkaError, OSError) as exc:
        return str(exc) or type(exc).__name__
    return None


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
        self._metrics = _shared(ProducerMetrics, registry)
        self.delivery = DeliveryWatch()
        self._sent: dict[str, Counter] = {}  # the labelled counter per topic, looked up once
        self._producer = KafkaProducer(
            **kafka_security(),
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            batch_size=batch_size,
            compression_type=compression_type,
            partitioner=_MemoPartitioner(),
            retries=2**31 - 1,
            delivery_timeout_ms=max(30000, request_timeout_ms + linger_ms),
            request_timeout_ms=request_timeout_ms,
            max_in_flight_requests_per_connection=5,
        )

    def publish(self, topic: TopicSpec | str, key: str, message: Message | None, trace_id: str = ""):
        """Sends ``message`` (``None`` = tombstone); returns kafka-python's future."""
        name = topic if isinstance(topic, str) else topic.name
        headers = [(TRACE_HEADER, (trace_id or uuid.uuid4().hex).encode())]
        value = None
        if message is not None:
            headers.append((TYPE_HEADER, message.DESCRIPTOR.full_name.encode()))
            value = message.SerializeToString(deterministic=True)
        return self.publish_raw(name, key.encode(), value, headers)

    def publish_raw(self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]):
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

    def await_acks(self, futures: Iterable, timeout_s: float) -> None:
        """Returns once Kafka acknowledged every one of ``futures`` (sends of this producer)."""
        await_acks(futures, timeout_s)

    def _on_delivered(self, _metadata) -> None:
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


@dataclass(frozen=True, slots=True)
class Record:
    """A consumed message, transport details reduced to what handlers need."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int = 0

    @property
    def trace_id(self) -> str:
        return self.headers.get(TRACE_HEADER, "")

    def decode(self, message_type: type[Message]) -> Message | None:
        """Parses the value; ``None`` for a tombstone.  Undecodable bytes are poison."""
        if self.value is None:
            return None
        declared = self.headers.get(TYPE_HEADER)
        if declared and declared != message_type.DESCRIPTOR.full_name:
            raise PoisonMessageError(f"expected {message_type.DESCRIPTOR.full_name}, header says {declared}")
        message = message_type()
        try:
            message.ParseFromString(self.value)
        except DecodeError as exc:
            raise PoisonMessageError(f"undecodable {message_type.DESCRIPTOR.full_name}: {exc}") from exc
        return message


class DeadLetters:
    """Copies poison records to a dead-letter topic, each source record once.

    Views are re-read from the beginning on every start and meet the same poison again; a
    consumer may be handed a record again after a crash.  What is already on the topic (header
    ``rebook-source``: topic/partition/offset, and ``rebook-consumer``: who failed on it) is read
    once, on the first poison met, and not copied again."""

    def __init__(self, bootstrap: str, producer: EventProducer, topic: TopicSpec, consumer: str) -> None:
        self._bootstrap = bootstrap
        self._producer = producer
        self._topic = topic
        self._consumer = consumer
        self._sent: set[str] | None = None
        self._lock = threading.Lock()

    def _known(self) -> set[str]:
        if self._sent is None:
            self._sent = set()
            try:
                for r in read_to_end(self._bootstrap, [self._topic], timeout_s=30):
                    self._sent.add(f"{r.headers.get(CONSUMER_HEADER, '')} {r.headers.get(SOURCE_HEADER, '')}")
            except Exception as error:  # dedup is best effort: a copy too many beats a stuck consumer
                log.warning("could not read the dead-letter topic; duplicates possible", extra={"error": str(error)})
        return self._sent

    def send(self, record: Record, error: Exception) -> bool:
        """False when the record was dead-lettered before (nothing sent)."""
        source = f"{record.topic}/{record.partition}/{record.offset}"
        seen = f"{self._consumer} {source}"
        with self._lock:
            if seen in self._known():
                log.warning("poison message already in the dead-letter topic", extra={"source": source})
                return False
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            headers += [
                (ERROR_HEADER, f"{type(error).__name__}: {error}"[:1000].encode()),
                (SOURCE_HEADER, source.encode()),
                (CONSUMER_HEADER, self._consumer.encode()),
            ]
            key = record.key.encode() if record.key is not None else None
            self._producer.publish_raw(self._topic.name, key, record.value, headers).get(timeout=30)
            self._known().add(seen)
        log.error(
            "message sent to dead-letter topic",
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset, "error": str(error)},
        )
        return True




def _close_quietly(consumer: KafkaConsumer) -> None:
    try:
        consumer.close(autocommit=False, timeout_ms=5000)
    except Exception:  # a stuck client failing to close is expected here
        log.debug("stale consumer did not close cleanly", exc_info=True)


def _wait_for_partitions(consumer: KafkaConsumer, topic: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not consumer.partitions_for_topic(topic):
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions (does it exist?)")
        time.sleep(0.1)


def _to_record(raw) -> Record:
    headers = {name: value.decode(errors="replace") for name, value in (raw.headers or [])}
    key = raw.key.decode(errors="replace") if raw.key is not None else None
    return Record(raw.topic, raw.partition, raw.offset, key, raw.value, headers, raw.timestamp)


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["group", "topic"]
        self.consumed = Counter(
            "rebook_kafka_messages_consumed_total", "Messages processed.", labels, registry=registry
        )
        self.failures = Counter(
            "rebook_kafka_consume_failures_total", "Processing attempts that raised.", labels, registry=registry
        )
        self.dead_letters = Counter(
            "rebook_kafka_dead_letters_total", "Messages sent to the dead-letter topic.", labels, registry=registry
        )
        self.lag = Gauge(
            "rebook_kafka_consumer_lag_messages", "Messages behind the partition end.", labels, registry=registry
        )
        self.stalls = Counter(
            "rebook_kafka_consumer_stalls_total", "Consumers replaced after a poll stalled.", ["group"],
            registry=registry,
        )  # fmt: skip

    def initialise(self, group_id: str, topics: Sequence[str]) -> None:
        self.stalls.labels(group_id)
        for topic in topics:
            for metric in (self.consumed, self.failures, self.dead_letters, self.lag):
                metric.labels(group_id, topic)


Handler = Callable[[Record], None]


class _Listener(ConsumerRebalanceListener):
    """Forwards rebalances of one consumer generation; a replaced (stale) consumer's are ignored."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop
        self._generation = loop._generation

    def _current(self) -> bool:
        return self._generation == self._loop._generation

    def on_partitions_revoked(self, revoked):
        if not self._current():
            return
        self._loop._commit_pending(retry=False)
        if self._loop.on_revoked:
            self._loop.on_revoked(set(revoked))

    def on_partitions_assigned(self, assigned):
        if self._current() and self._loop.on_assigned:
            self._loop.on_assigned(set(assigned))


class _ProcessingLoop:
    """Shared part of the loops: one consumer on its own thread, handle with retries, DLQ.

    A watchdog replaces the consumer when one ``poll`` has not returned for ``stall_s``, or
    when the consumer has been unable to fetch its assigned partitions that long: under CPU
    load kafka-python 3.0.12 can stay in a rebalance forever (partitions assigned but paused)
    or block in a request.  The stuck thread is abandoned; records it had not committed are
    delivered again (at-least-once, as after any crash).
    """

    def __init__(
        self,
        bootstrap: str,
        name: str,
        topics: Sequence[TopicSpec],
        handler: Handler,
        producer: EventProducer,
        registry: CollectorRegistry,
        max_attempts: int,
        retry_backoff_s: float,
        poll_timeout_ms: int,
        dead_letter_topic: TopicSpec,
        stall_s: float = 15.0,
    ) -> None:
        self.group_id = name
        self._topics = [t.name for t in topics]
        self._handler = handler
        self._producer = producer
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s
        self._poll_timeout_ms = poll_timeout_ms
        self._dead_letters = DeadLetters(bootstrap, producer, dead_letter_topic, name)
        self._metrics = _shared(ConsumerMetrics, registry)
        self._metrics.initialise(name, self._topics)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: KafkaConsumer
        self._generation = 0
        self._poll_started: float | None = None
        self._unhealthy_since: float | None = None
        self._stall_s = stall_s

    def _new_consumer(self) -> KafkaConsumer:
        """Creates and subscribes (or assigns) a consumer; called again after a stall."""
        raise NotImplementedError

    def start(self) -> None:
        self._start_thread()
        threading.Thread(target=self._watch, name=f"watchdog-{self.group_id}", daemon=True).start()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(self._generation,), name=f"consumer-{self.group_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stops polling, finishes the current batch and closes the consumer."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _stalled(self, now: float) -> bool:
        blocked, unhealthy = self._poll_started, self._unhealthy_since
        # A lone member rebalances in well under a second; one stuck with paused partitions
        # for several seconds does not recover by itself.
        return (blocked is not None and now - blocked > self._stall_s) or (
            unhealthy is not None and now - unhealthy > min(self._stall_s, REBALANCE_STALL_S)
        )

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            if self._stalled(time.monotonic()):
                log.error("kafka consumer stalled; replacing it", extra={"group": self.group_id})
                self._metrics.stalls.labels(self.group_id).inc()
                self._generation += 1
                self._poll_started = self._unhealthy_since = None
                self._replace_consumer()
                self._start_thread()

    def _track_health(self, consumer: KafkaConsumer) -> None:
        if assignment_fetchable(consumer):
            self._unhealthy_since = None
        elif self._unhealthy_since is None:
            self._unhealthy_since = time.monotonic()

    def _replace_consumer(self) -> None:
        stale, self._consumer = self._consumer, self._new_consumer()
        # Leave the group (if the stale client still can) so it does not keep partitions; on
        # a thread of its own because a stuck client may block in close too.
        threading.Thread(target=_close_quietly, args=(stale,), name="close-stale-consumer", daemon=True).start()

    def _run(self, generation: int) -> None:
        consumer = self._consumer
        try:
            while not self._stop.is_set():
                self._poll_started = time.monotonic()
                batches = consumer.poll(timeout_ms=self._poll_timeout_ms)
                if generation != self._generation:
                    return  # this consumer was replaced while stuck; its records are re-delivered
                self._poll_started = None
                self._track_health(consumer)
                for raw_records in batches.values():
                    for raw in raw_records:
                        self._process(_to_record(raw))
                self._after_poll(bool(batches))
        except Exception:
            log.exception("consumer loop crashed", extra={"group": self.group_id})
            raise
        finally:
            if generation == self._generation:
                self._before_close()
                consumer.close(autocommit=False)

    def _after_poll(self, had_records: bool) -> None:
        """Hook: commit, track catch-up, update lag."""

    def _before_close(self) -> None:
        """Hook: last commit."""

    def _process(self, record: Record) -> None:
        for attempt in range(1, self._max_attempts + 1):
            try:
                self._handler(record)
                break
            except (PoisonMessageError, ValidationError) as exc:
                self._metrics.failures.labels(self.group_id, record.topic).inc()
                self.dead_letter(record, exc)
                break
            except Exception as exc:
                self._metrics.failures.labels(self.group_id, record.topic).inc()
                log.warning(
                    "handler failed",
                    extra={"topic": record.topic, "offset": record.offset, "attempt": attempt, "error": repr(exc)},
                )
                if attempt == self._max_attempts:
                    self.dead_letter(record, exc)
                else:
                    time.sleep(self._retry_backoff_s * attempt)
        self._metrics.consumed.labels(self.group_id, record.topic).inc()
        self._processed(record)

    def _processed(self, record: Record) -> None:
        """Hook: remember the offset to commit."""

    def dead_letter(self, record: Record, error: Exception) -> None:
        """Copies ``record`` to the dead-letter topic with the error (once); blocks until acked."""
        if self._dead_letters.send(record, error):
            self._metrics.dead_letters.labels(self.group_id, record.topic).inc()

    def _update_lag(self) -> None:
        per_topic: dict[str, int] = {}
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            position = self._consumer.position(tp, timeout_ms=1000) or 0
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + max(0, highwater - position)
        for topic, lag in per_topic.items():
            self._metrics.lag.labels(self.group_id, topic).set(lag)


class ConsumerLoop(_ProcessingLoop):
    """A group member: poll → handle → (flush side effects) → commit offset + 1.

    A message whose handler raises ``PoisonMessageError`` or ``ValidationError``, or any other
    error ``max_attempts`` times, is copied to the dead-letter topic with the error in a
    header, and the loop goes on.  ``after_batch`` runs before each commit so that side
    effects (e.g. produced messages) are durable before the input is marked done.
    """

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        topics: Sequence[TopicSpec],
        handler: Handler,
        producer: EventProducer,
        registry: CollectorRegistry,
        *,
        after_batch: Callable[[], None] | None = None,
        discard_batch: Callable[[], None] | None = None,
        on_assigned: Callable[[set[TopicPartition]], None] | None = None,
        on_revoked: Callable[[set[TopicPartition]], None] | None = None,
        max_attempts: int = 3,
        retry_backoff_s: float = 0.2,
        poll_timeout_ms: int = 200,
        max_poll_records: int = 500,
        auto_offset_reset: str = "earliest",
        dead_letter_topic: TopicSpec = DEAD_LETTER,
        client_id: str = "rebook",
        stall_s: float = 15.0,
    ) -> None:
        super().__init__(
            bootstrap, group_id, topics, handler, producer, registry, max_attempts, retry_backoff_s,
            poll_timeout_ms, dead_letter_topic, stall_s,
        )  # fmt: skip
        self._after_batch = after_batch
        self._discard_batch = discard_batch
        self._retry_at = 0.0  # monotonic time of the next attempt at a batch that was not done
        self.on_assigned = on_assigned
        self.on_revoked = on_revoked
        self._pending: dict[TopicPartition, int] = {}
        self.ready = threading.Event()  # set once partitions were assigned at least once
        self._joining_since = 0.0
        self._join_retries = 0
        self._config = {
            "bootstrap_servers": bootstrap, "group_id": group_id, "client_id": client_id,
            "enable_auto_commit": False, "auto_offset_reset": auto_offset_reset,
            "max_poll_records": max_poll_records, "fetch_max_wait_ms": 50, "session_timeout_ms": 10000,
            "heartbeat_interval_ms": 1000, **kafka_security(),
        }  # fmt: skip
        self._consumer = self._new_consumer()

    def _new_consumer(self) -> KafkaConsumer:
        consumer = KafkaConsumer(**self._config)
        # kafka-python can join the group before it has the topics' partition metadata and then
        # end up with no assignment; fetching the metadata first makes the first join see them.
        for topic in self._topics:
            _wait_for_partitions(consumer, topic)
        consumer.subscribe(self._topics, listener=_Listener(self))
        return consumer

    def start(self) -> None:
        self._joining_since = time.monotonic()
        super().start()

    def _stalled(self, now: float) -> bool:
        if super()._stalled(now):
            return True
        if self.ready.is_set() or self._join_retries >= JOIN_RETRIES or now - self._joining_since < JOIN_STALL_S:
            return False
        self._join_retries += 1
        self._joining_since = now
        log.warning("kafka consumer has no partitions after joining; rejoining", extra={"group": self.group_id})
        return True

    def _replace_consumer(self) -> None:
        self._drop_pending()  # the stuck member's offsets can no longer be committed; re-delivered
        super()._replace_consumer()

    def _processed(self, record: Record) -> None:
        self._pending[TopicPartition(record.topic, record.partition)] = record.offset + 1

    def _after_poll(self, had_records: bool) -> None:
        if self._consumer.assignment():
            self.ready.set()
        if had_records or (self._pending and time.monotonic() >= self._retry_at):
            self._commit_pending()
        if had_records:
            self._update_lag()

    def _before_close(self) -> None:
        self._commit_pending(retry=False)

    def _commit_pending(self, retry: bool = True) -> None:
        """Runs ``after_batch`` then commits.  A batch that is not done stays pending and is
        retried (``retry``) or, when the partitions go away, dropped uncommitted so whoever
        owns them next gets the records again."""
        if not self._pending:
            return
        if self._after_batch is not None:
            try:
                self._after_batch()
            except (BatchNotDone, KafkaError) as exc:
                log.warning("batch not done; not committed", extra={"group": self.group_id, "error": str(exc)})
                self._retry_at = time.monotonic() + self._retry_backoff_s * 5
                if not retry:
                    self._drop_pending()
                return
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in self._pending.items()}
        try:
            self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:  # rebalanced away meanwhile: re-delivered to the owner
            log.warning("commit failed; re-delivered to the owner", extra={"group": self.group_id, "error": str(exc)})
        self._pending.clear()

    def _drop_pending(self) -> None:
        self._pending.clear()
        if self._discard_batch is not None:
            self._discard_batch()


class ViewLoop(_ProcessingLoop):
    """Reads every partition of state topics from the beginning, then follows them; no group.

    Every instance of a service sees all of it (e.g. the optimizer's flights and bookings
    views), so nothing is committed: a restart rebuilds the view from the compacted topics.
    ``caught_up`` is set once everything present at start-up was handled.
    """

    def __init__(
        self,
        bootstrap: str,
        name: str,
        topics: Sequence[TopicSpec],
        handler: Handler,
        producer: EventProducer,
        registry: CollectorRegistry,
        *,
        max_attempts: int = 3,
        retry_backoff_s: float = 0.2,
        poll_timeout_ms: int = 200,
        dead_letter_topic: TopicSpec = DEAD_LETTER,
        client_id: str = "rebook",
        stall_s: float = 15.0,
    ) -> None:
        super().__init__(
            bootstrap, name, topics, handler, producer, registry, max_attempts, retry_backoff_s,
            poll_timeout_ms, dead_letter_topic, stall_s,
        )  # fmt: skip
        self.caught_up = threading.Event()
        self._config = {
            "bootstrap_servers": bootstrap, "group_id": None, "client_id": client_id,
            "enable_auto_commit": False, "max_poll_records": 5000, "fetch_max_wait_ms": 50, **kafka_security(),
        }  # fmt: skip
        self._positions: dict[TopicPartition, int] = {}  # next offset to handle, per partition
        self._sync_lock = threading.Lock()
        self._sync_asked: list[tuple[str, threading.Event]] = []  # (topic, done), not yet measured
        self._sync_waiting: list[tuple[dict[TopicPartition, int], threading.Event]] = []
        self._consumer = self._new_consumer()
        assignment = list(self._consumer.assignment())
        self._catch_up_to = {tp: end for tp, end in self._consumer.end_offsets(assignment).items() if end > 0}
        if not self._catch_up_to:
            self.caught_up.set()

    def _new_consumer(self) -> KafkaConsumer:
        """All partitions, from where this view got to (the beginning at first)."""
        consumer = KafkaConsumer(**self._config)
        assignment = [
            TopicPartition(topic, partition)
            for topic in self._topics
            for partition in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(assignment)
        consumer.seek_to_beginning(*assignment)
        for tp in assignment:
            if tp in self._positions:
                consumer.seek(tp, self._positions[tp])
        return consumer

    def _processed(self, record: Record) -> None:
        self._positions[TopicPartition(record.topic, record.partition)] = record.offset + 1

    def sync(self, topic: str, timeout_s: float) -> bool:
        """Waits until this view has handled everything on ``topic`` at the time of the call
        (read your writes: e.g. a schedule another service just published); False on timeout.
        The loop's own thread measures the topic's end, so no second client is needed."""
        done = threading.Event()
        with self._sync_lock:
            self._sync_asked.append((topic, done))
        return done.wait(timeout_s)

    def _after_poll(self, had_records: bool) -> None:
        if not self.caught_up.is_set():
            self._catch_up_to = {
                tp: end for tp, end in self._catch_up_to.items() if self._consumer.position(tp) < end
            }
            if not self._catch_up_to:
                self.caught_up.set()
        if self._sync_asked or self._sync_waiting:
            self._serve_syncs()
        if had_records:
            self._update_lag()

    def _serve_syncs(self) -> None:
        with self._sync_lock:
            asked, self._sync_asked = self._sync_asked, []
        try:
            for topic in {t for t, _ in asked}:
                partitions = [tp for tp in self._consumer.assignment() if tp.topic == topic]
                ends = {tp: end for tp, end in self._consumer.end_offsets(partitions).items() if end > 0}
                self._sync_waiting += [(ends, done) for t, done in asked if t == topic]
            waiting = []
            for ends, done in self._sync_waiting:
                if all(self._consumer.position(tp) >= end for tp, end in ends.items()):
                    done.set()
                else:
                    waiting.append((ends, done))
            self._sync_waiting = waiting
        except KafkaError as error:  # the broker is away: the callers time out, the loop goes on
            log.warning("view sync failed", extra={"group": self.group_id, "error": repr(error)})


def read_to_end(
    bootstrap: str,
    topics: Iterable[TopicSpec],
    partitions: Callable[[str], Iterable[int]] | None = None,
    timeout_s: float = 60.0,
) -> Iterator[Record]:
    """Reads topics from the beginning to their current end without a consumer group.

    Used on start-up (and after a rebalance) to rebuild an in-memory view from compacted
    topics; tombstones come through as records with ``value=None``.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, **kafka_security())
    try:
        assignment: list[TopicPartition] = []
        for spec in topics:
            available = consumer.partitions_for_topic(spec.name) or set()
            chosen = set(partitions(spec.name)) if partitions else available
            assignment += [TopicPartition(spec.name, p) for p in sorted(available & chosen)]
        if not assignment:
            return
        consumer.assign(assignment)
        consumer.seek_to_beginning(*assignment)
        end = {tp: off for tp, off in consumer.end_offsets(assignment).items() if off > 0}
        deadline = time.monotonic() + timeout_s
        while end:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {sorted({tp.topic for tp in end})} to the end took over {timeout_s}s")
            for tp, raw_records in consumer.poll(timeout_ms=200, max_records=5000).items():
                for raw in raw_records:
                    if tp in end and raw.offset < end[tp]:
                        yield _to_record(raw)
                if tp in end and consumer.position(tp) >= end[tp]:
                    del end[tp]
    finally:
        consumer.close(autocommit=False)

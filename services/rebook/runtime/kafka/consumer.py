"""The consumer-group loop: poll → handle → (make side effects durable) → commit."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from prometheus_client import CollectorRegistry

from rebook.runtime.kafka_quirks import CLIENT_SETTINGS, JOIN_RETRIES, JOIN_STALL_S
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.topics import DEAD_LETTER, TopicSpec

from .loop import Handler, ProcessingLoop
from .producer import EventProducer
from .records import Record

log = logging.getLogger(__name__)


class BatchNotDone(Exception):
    """Raised by a consumer loop's ``after_batch`` when the batch's side effects are not durable
    (e.g. Kafka did not acknowledge them): nothing is committed and the batch is retried."""


def _wait_for_partitions(consumer: KafkaConsumer, topic: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not consumer.partitions_for_topic(topic):
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions (does it exist?)")
        time.sleep(0.1)


class _Listener(ConsumerRebalanceListener):
    """Forwards rebalances of one consumer generation; a replaced (stale) consumer's are ignored."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop
        self._generation = loop._generation

    def _current(self) -> bool:
        return self._generation == self._loop._generation

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        if not self._current():
            return
        self._loop._commit_pending(retry=False)
        if self._loop.on_revoked:
            self._loop.on_revoked(set(revoked))

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        if self._current() and self._loop.on_assigned:
            self._loop.on_assigned(set(assigned))


class ConsumerLoop(ProcessingLoop):
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
            bootstrap,
            group_id,
            topics,
            handler,
            producer,
            registry,
            max_attempts,
            retry_backoff_s,
            poll_timeout_ms,
            dead_letter_topic,
            stall_s,
        )
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
            "bootstrap_servers": bootstrap,
            "group_id": group_id,
            "client_id": client_id,
            "enable_auto_commit": False,
            "auto_offset_reset": auto_offset_reset,
            "max_poll_records": max_poll_records,
            "fetch_max_wait_ms": 50,
            "session_timeout_ms": 10000,
            "heartbeat_interval_ms": 1000,
            **kafka_security(),
            **CLIENT_SETTINGS,
        }
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

    def _replace_consumer(self) -> bool:
        self._drop_pending()  # the stuck member's offsets can no longer be committed; re-delivered
        return super()._replace_consumer()

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

"""The view loop: every partition of state topics from the beginning, then followed; no group."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from rebook.runtime.kafka_quirks import CLIENT_SETTINGS
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.topics import DEAD_LETTER, TopicSpec

from .loop import Handler, ProcessingLoop
from .producer import EventProducer
from .records import Record

log = logging.getLogger(__name__)


class ViewLoop(ProcessingLoop):
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
            bootstrap,
            name,
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
        self.caught_up = threading.Event()
        self._config = {
            "bootstrap_servers": bootstrap,
            "group_id": None,
            "client_id": client_id,
            "enable_auto_commit": False,
            "max_poll_records": 5000,
            "fetch_max_wait_ms": 50,
            **kafka_security(),
            **CLIENT_SETTINGS,
        }
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
            self._catch_up_to = {tp: end for tp, end in self._catch_up_to.items() if self._consumer.position(tp) < end}
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

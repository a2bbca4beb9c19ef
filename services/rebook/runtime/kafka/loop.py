"""What the consumer-group loop and the view loop share: one consumer on its own thread, a
handler run with retries, poison to the dead-letter topic, lag metrics, and the watchdog that
replaces a stuck consumer (``kafka_quirks``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from kafka import KafkaConsumer
from prometheus_client import CollectorRegistry, Counter, Gauge

from rebook.domain.errors import ValidationError
from rebook.runtime.kafka_quirks import REBALANCE_STALL_S, assignment_fetchable
from rebook.runtime.metrics import per_registry
from rebook.runtime.topics import TopicSpec

from .dead_letters import DeadLetters
from .producer import EventProducer
from .records import PoisonMessageError, Record, to_record

log = logging.getLogger(__name__)

MAX_RECREATE_BACKOFF_S = 10.0  # between attempts at a fresh consumer while the broker is away

Handler = Callable[[Record], None]


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
            "rebook_kafka_consumer_stalls_total",
            "Consumers replaced after a poll stalled.",
            ["group"],
            registry=registry,
        )

    def initialise(self, group_id: str, topics: Sequence[str]) -> None:
        self.stalls.labels(group_id)
        for topic in topics:
            for metric in (self.consumed, self.failures, self.dead_letters, self.lag):
                metric.labels(group_id, topic)


def _close_quietly(consumer: KafkaConsumer) -> None:
    try:
        consumer.close(autocommit=False, timeout_ms=5000)
    except Exception:  # a stuck client failing to close is expected here
        log.debug("stale consumer did not close cleanly", exc_info=True)


class ProcessingLoop:
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
        self._metrics = per_registry(ConsumerMetrics, registry)
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
        blocked, unhealthy, thread = self._poll_started, self._unhealthy_since, self._thread
        # A lone member rebalances in well under a second; one stuck with paused partitions
        # for several seconds does not recover by itself.  Both count only while the thread
        # polls: one busy with a batch (handlers, ``after_batch``) is not replaced under it.  A
        # loop whose thread died of an unexpected error is started again too.
        crashed = thread is not None and not thread.is_alive() and not self._stop.is_set()
        return crashed or (
            blocked is not None
            and (
                now - blocked > self._stall_s
                or (unhealthy is not None and now - unhealthy > min(self._stall_s, REBALANCE_STALL_S))
            )
        )

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            try:
                if self._stalled(time.monotonic()):
                    self._restart()
            except Exception:  # the watchdog must outlive anything it watches
                log.exception("kafka consumer watchdog failed; watching on", extra={"group": self.group_id})

    def _restart(self) -> None:
        log.error("kafka consumer stalled; replacing it", extra={"group": self.group_id})
        self._metrics.stalls.labels(self.group_id).inc()
        self._generation += 1  # the stuck thread, should it return, stops (see ``_run``)
        self._poll_started = self._unhealthy_since = None
        if self._replace_consumer():
            self._start_thread()

    def _track_health(self, consumer: KafkaConsumer) -> None:
        if assignment_fetchable(consumer):
            self._unhealthy_since = None
        elif self._unhealthy_since is None:
            self._unhealthy_since = time.monotonic()

    def _replace_consumer(self) -> bool:
        """Swaps in a fresh consumer; False when the loop stopped before one could be made."""
        fresh = self._fresh_consumer()
        if fresh is None:
            return False
        stale, self._consumer = self._consumer, fresh
        # Leave the group (if the stale client still can) so it does not keep partitions; on
        # a thread of its own because a stuck client may block in close too.
        threading.Thread(target=_close_quietly, args=(stale,), name="close-stale-consumer", daemon=True).start()
        return True

    def _fresh_consumer(self) -> KafkaConsumer | None:
        """A new consumer, tried again (backing off) while the broker cannot be reached: a stall
        is often the start of an outage, and a client cannot bootstrap until the broker is back."""
        backoff_s = 0.5
        while not self._stop.is_set():
            try:
                return self._new_consumer()
            except Exception as error:  # KafkaError mostly; whatever it is, the next try may work
                extra = {"group": self.group_id, "error": repr(error)}
                log.warning("kafka consumer not created; retrying", extra=extra)
                self._stop.wait(backoff_s)
                backoff_s = min(2 * backoff_s, MAX_RECREATE_BACKOFF_S)
        return None

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
                        self._process(to_record(raw))
                self._after_poll(bool(batches))
        except Exception:  # the watchdog starts the loop again (``_stalled``)
            log.exception("consumer loop crashed", extra={"group": self.group_id})
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

"""Puts proximities and tombstones on the compacted proximity topic, keyed by passenger id.

The only way anything leaves the locator: a coarse ``Proximity`` (never coordinates) or a
tombstone.  Delivery failures are counted by the producer (``rebook_kafka_produce_failures_total``).

Nothing is dropped when the broker is away: a passenger whose update Kafka did not acknowledge
is remembered, and their *latest* state (the proximity the tracker last published for them, or
a tombstone when it no longer holds one) is sent again every ``retry_interval`` until Kafka
acknowledges it.  The set is bounded by the passengers tracked; newer pings just update what
the retry sends.  Meanwhile the service reports NOT_SERVING (``run_service``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from rebook.domain.convert import proximity_to_proto
from rebook.domain.model import Proximity
from rebook.locator.metrics import LocatorMetrics
from rebook.runtime.kafka import EventProducer
from rebook.runtime.topics import TopicSpec

log = logging.getLogger(__name__)


class ProximityPublisher:
    def __init__(
        self,
        producer: EventProducer,
        topic: TopicSpec,
        metrics: LocatorMetrics,
        clock: Callable[[], datetime],
        latest: Callable[[str], Proximity | None] = lambda _: None,
        retry_interval: timedelta = timedelta(seconds=2),
    ) -> None:
        self._producer = producer
        self._topic = topic
        self._metrics = metrics
        self._clock = clock
        self._latest = latest
        self._retry_interval_s = retry_interval.total_seconds()
        self._lock = threading.Lock()
        self._undelivered: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        metrics.undelivered.set_function(lambda: len(self._undelivered))

    def publish(self, proximities: Iterable[Proximity], trigger: str) -> int:
        """Publishes each proximity; returns how many."""
        count = 0
        now = self._clock()
        for proximity in proximities:
            message = proximity_to_proto(proximity, now)
            self._watch(proximity.passenger_id, self._producer.publish(self._topic, proximity.passenger_id, message))
            count += 1
        if count:
            self._metrics.published.labels(trigger).inc(count)
        return count

    def tombstone(self, passenger_ids: Iterable[str], reason: str) -> int:
        """Publishes a tombstone per passenger; returns how many."""
        count = 0
        for passenger_id in passenger_ids:
            self._watch(passenger_id, self._producer.publish(self._topic, passenger_id, None))
            count += 1
        if count:
            self._metrics.tombstones.labels(reason).inc(count)
        return count

    def forget(self, passenger_id: str, timeout_s: float = 15.0) -> None:
        """Publishes a passenger's tombstone and waits until Kafka has it."""
        self._producer.publish(self._topic, passenger_id, None).get(timeout=timeout_s)
        with self._lock:
            self._undelivered.discard(passenger_id)
        self._metrics.tombstones.labels("forget").inc()

    @property
    def undelivered(self) -> int:
        """Passengers whose latest state Kafka has not acknowledged yet."""
        with self._lock:
            return len(self._undelivered)

    def redeliver(self) -> int:
        """Sends the latest state of every passenger whose update failed; returns how many."""
        with self._lock:
            due, self._undelivered = sorted(self._undelivered), set()
        latest = [(passenger_id, self._latest(passenger_id)) for passenger_id in due]
        try:
            self.publish((p for _, p in latest if p is not None), "retry")
            self.tombstone((pid for pid, p in latest if p is None), "retry")
        except Exception:  # refused before sending: all of them are due again
            with self._lock:
                self._undelivered.update(due)
            raise
        return len(due)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="locator-redelivery", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout_s)

    def _watch(self, passenger_id: str, future) -> None:
        future.add_errback(lambda _error: self._failed(passenger_id))

    def _failed(self, passenger_id: str) -> None:
        # On the producer's I/O thread: only remember; the retry thread sends.
        with self._lock:
            self._undelivered.add(passenger_id)

    def _run(self) -> None:
        while not self._stop.wait(self._retry_interval_s):
            if not self.undelivered:
                continue
            try:
                count = self.redeliver()
            except Exception as error:  # the producer refused up front: keep them for the next pass
                log.warning("proximity redelivery failed; retrying", extra={"error": str(error)})
                continue
            log.info("proximity updates sent again after a failed delivery", extra={"passengers": count})

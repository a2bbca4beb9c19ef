"""Puts proximities and tombstones on the compacted proximity topic, keyed by passenger id.

The only way anything leaves the locator: a coarse ``Proximity`` (never coordinates) or a
tombstone.  Delivery failures are counted by the producer (``rebook_kafka_produce_failures_total``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from rebook.domain.convert import proximity_to_proto
from rebook.domain.model import Proximity
from rebook.locator.metrics import LocatorMetrics
from rebook.runtime.kafka import EventProducer
from rebook.runtime.topics import TopicSpec


class ProximityPublisher:
    def __init__(
        self, producer: EventProducer, topic: TopicSpec, metrics: LocatorMetrics, clock: Callable[[], datetime]
    ) -> None:
        self._producer = producer
        self._topic = topic
        self._metrics = metrics
        self._clock = clock

    def publish(self, proximities: Iterable[Proximity], trigger: str) -> int:
        """Publishes each proximity; returns how many."""
        count = 0
        now = self._clock()
        for proximity in proximities:
            self._producer.publish(self._topic, proximity.passenger_id, proximity_to_proto(proximity, now))
            count += 1
        if count:
            self._metrics.published.labels(trigger).inc(count)
        return count

    def tombstone(self, passenger_ids: Iterable[str], reason: str) -> int:
        """Publishes a tombstone per passenger; returns how many."""
        count = 0
        for passenger_id in passenger_ids:
            self._producer.publish(self._topic, passenger_id, None)
            count += 1
        if count:
            self._metrics.tombstones.labels(reason).inc(count)
        return count

    def forget(self, passenger_id: str, timeout_s: float = 15.0) -> None:
        """Publishes a passenger's tombstone and waits until Kafka has it."""
        self._producer.publish(self._topic, passenger_id, None).get(timeout=timeout_s)
        self._metrics.tombstones.labels("forget").inc()

    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout_s)

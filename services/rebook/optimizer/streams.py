"""The optimizer's Kafka side: views followed on every instance, and the disruption consumer
that solves each polled batch together and publishes offers before committing."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from rebook.domain.convert import booking_from_proto, disruption_from_proto, leg_from_proto, proximity_from_proto
from rebook.domain.model import Disruption
from rebook.optimizer.convert import offer_from_proto
from rebook.optimizer.offers import Offer
from rebook.optimizer.servicer import OptimizerDeps, decide_and_publish, publish_offers
from rebook.runtime.kafka import BatchNotDone, Record
from rebook.runtime.topics import BOOKINGS, DISRUPTIONS, FLIGHTS, OFFERS, PROXIMITY, TopicSpec
from rebook.v1 import booking_pb2, disruption_pb2, flight_pb2, location_pb2, offer_pb2

log = logging.getLogger(__name__)


class ViewHandler:
    """Feeds the engine's views from the state topics (and the offers topic, for holds)."""

    def __init__(self, deps: OptimizerDeps, topics: dict[str, TopicSpec] | None = None) -> None:
        self._deps = deps
        names = topics or {"flights": FLIGHTS, "bookings": BOOKINGS, "proximity": PROXIMITY, "offers": OFFERS}
        self._routes = {
            names["flights"].name: self._flight,
            names["bookings"].name: self._booking,
            names["proximity"].name: self._proximity,
            names["offers"].name: self._offer,
        }

    def __call__(self, record: Record) -> None:
        self._routes[record.topic](record)

    def _flight(self, record: Record) -> None:
        message = record.decode(flight_pb2.FlightLeg)
        if message is not None:
            self._deps.engine.apply_flight(leg_from_proto(message))

    def _booking(self, record: Record) -> None:
        message = record.decode(booking_pb2.Booking)
        if message is None:
            self._deps.engine.forget_booking(record.key or "")
        else:
            self._deps.engine.apply_booking(booking_from_proto(message))

    def _proximity(self, record: Record) -> None:
        message = record.decode(location_pb2.Proximity)
        proximity = proximity_from_proto(message) if message is not None else None
        self._deps.engine.apply_proximity(record.key or "", proximity)

    def _offer(self, record: Record) -> None:
        message = record.decode(offer_pb2.Offer)
        if message is not None:
            self._deps.engine.apply_offer(offer_from_proto(message))


class DisruptionBatcher:
    """Buffers the disruptions of one poll and solves them together in ``flush`` (the consumer
    loop's ``after_batch``), so concurrent disruptions share seats sensibly; offers are acked
    by Kafka before the disruptions' offsets are committed."""

    def __init__(
        self,
        deps: OptimizerDeps,
        views_ready: threading.Event,
        dead_letter: Callable[[Record, Exception], None] | None = None,
        kill_after_offers: int | None = None,
    ) -> None:
        self._deps = deps
        self._views_ready = views_ready
        self.dead_letter = dead_letter  # the consumer loop's, once it exists
        self._buffer: list[tuple[Record, Disruption]] = []
        # Fault injection (development only, see main.fault_kill_after_offers): the process
        # kills itself once this many offers of a batch are acknowledged, before committing.
        self._kill_after_offers = kill_after_offers

    def __call__(self, record: Record) -> None:
        self._views_ready.wait()  # never plan on a half-rebuilt view
        message = record.decode(disruption_pb2.Disruption)
        if message is None:
            return
        disruption = disruption_from_proto(message)
        self._deps.metrics.disruptions.labels(disruption.kind.name.lower()).inc()
        self._buffer.append((record, disruption))

    def flush(self) -> None:
        """Solves and publishes the buffered batch.  When Kafka does not acknowledge every offer
        the engine's decisions are rolled back and the batch is kept: ``BatchNotDone`` tells the
        loop not to commit, and the next flush (or, after a crash, the next owner) plans it again
        (with the offers Kafka did acknowledge, ``decide_and_publish``)."""
        batch = self._buffer
        if not batch:
            return
        try:
            decide_and_publish(self._deps, lambda: self._solve([d for _, d in batch]), self._publish)
        except KafkaError as error:
            self._deps.metrics.batch_failures.inc()
            raise BatchNotDone(f"offers not acknowledged by Kafka: {error!r}") from error
        except Exception as error:  # a batch that cannot be solved must not stop the consumer
            self._buffer = []
            log.exception("disruption batch failed", extra={"disruptions": len(batch)})
            self._deps.metrics.batch_failures.inc()
            for record, _ in batch:
                if self.dead_letter is not None:
                    self.dead_letter(record, error)
            return
        self._buffer = []

    def discard(self) -> None:
        """Drops a batch that could not be completed before its partitions were revoked: the
        new owner receives the same disruptions again (their offsets were not committed)."""
        self._buffer = []

    def _solve(self, disruptions: list[Disruption]) -> list[Offer]:
        """Plans the batch in the engine; returns the offer versions to publish."""
        deps = self._deps
        result = deps.engine.handle(disruptions, deps.clock())
        if result.plan is not None:
            stats = result.plan.stats
            deps.metrics.bookings_affected.inc(result.new_bookings)
            deps.metrics.passengers_affected.inc(result.new_passengers)
            deps.metrics.offers_replanned.inc(result.replanned)
            deps.metrics.candidates.inc(stats.candidates)
            deps.metrics.solve_seconds.observe(stats.wall_s)
            deps.metrics.last_gap.set(stats.solution.gap)
            if stats.solution.deadline_hit:
                deps.metrics.deadline_hits.inc()
            log.info(
                "disruptions solved",
                extra={
                    "disruptions": result.disruptions,
                    "affected_bookings": stats.affected_bookings,
                    "new_bookings": result.new_bookings,
                    "replanned": result.replanned,
                    "unaccommodated": stats.unaccommodated,
                    "wall_s": round(stats.wall_s, 3),
                    "gap": round(stats.solution.gap, 5),
                    "method": stats.solution.method,
                },
            )
        return list(result.offers)

    def _publish(self, deps: OptimizerDeps, offers: list[Offer]) -> None:
        if self._kill_after_offers is not None and offers:
            publish_offers(deps, offers[: self._kill_after_offers])
            log.warning("fault injection: killing the process", extra={"offers_published": self._kill_after_offers})
            os.kill(os.getpid(), signal.SIGKILL)
        publish_offers(deps, offers)


class CarrierOwnership:
    """Which carriers this instance writes for: those whose disruption partition it owns."""

    def __init__(self, topic: TopicSpec = DISRUPTIONS) -> None:
        self._topic = topic
        self._owned: set[int] = set()
        self._lock = threading.Lock()

    def assigned(self, partitions: Iterable[TopicPartition]) -> None:
        with self._lock:
            self._owned = {tp.partition for tp in partitions if tp.topic == self._topic.name}

    def revoked(self, partitions: Iterable[TopicPartition]) -> None:
        with self._lock:
            self._owned -= {tp.partition for tp in partitions if tp.topic == self._topic.name}

    def owns(self, carrier: str) -> bool:
        partition = (murmur2(carrier.encode()) & 0x7FFFFFFF) % self._topic.partitions
        with self._lock:
            return partition in self._owned

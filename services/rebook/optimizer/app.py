"""The optimizer's composition root: ``build(config, deps) -> Service``, called by ``main`` and
by the integration tests alike.

An optimizer is its ``RebookingEngine`` (views and decisions around the pure ``core``), the
views consumer that keeps flights, bookings, proximity and offers current, the disruptions
consumer (one group member owns a carrier's seat holds), the offer-expiry loop and the gRPC
servicer.  Disruptions wait until the views caught up (``streams.DisruptionBatcher``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from kafka.errors import KafkaError

from rebook.domain.bookings import DEFAULT_RULES, BookingRules
from rebook.flightops import DetectorSettings
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from rebook.optimizer.metrics import OptimizerMetrics
from rebook.optimizer.offers import OfferPolicy
from rebook.optimizer.servicer import OptimizerDeps, binding, decide_and_publish
from rebook.optimizer.streams import CarrierOwnership, DisruptionBatcher, ViewHandler
from rebook.runtime.kafka import ConsumerLoop, ViewLoop
from rebook.runtime.service import CATCHING_UP, Readiness, Service, ServiceDeps, hold_until
from rebook.runtime.topics import BOOKINGS, DEAD_LETTER, DISRUPTIONS, FLIGHTS, OFFERS, PROXIMITY, TopicSpec

EXPIRY_EVERY_S = 5.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptimizerTopics:
    """The topics the optimizer reads and writes (injectable for tests)."""

    flights: TopicSpec = FLIGHTS
    bookings: TopicSpec = BOOKINGS
    proximity: TopicSpec = PROXIMITY
    offers: TopicSpec = OFFERS
    disruptions: TopicSpec = DISRUPTIONS
    dead_letter: TopicSpec = DEAD_LETTER


@dataclass(frozen=True)
class OptimizerConfig:
    """The optimizer's own settings (``main.load_config`` reads them from ``REBOOK_OPTIMIZER_*``)."""

    settings: OptimizerSettings = field(default_factory=OptimizerSettings)
    default_policy: OfferPolicy = field(default_factory=OfferPolicy)
    policies: Mapping[str, OfferPolicy] = field(default_factory=dict)
    detector_settings: DetectorSettings = field(default_factory=DetectorSettings)
    replan: str = "improve"
    booking_rules: BookingRules = DEFAULT_RULES
    kill_after_offers: int | None = None  # fault injection (``main.fault_kill_after_offers``)
    topics: OptimizerTopics = field(default_factory=OptimizerTopics)


@dataclass
class OptimizerService(Service):
    deps: OptimizerDeps | None = None
    views: ViewLoop | None = None
    disruptions: ConsumerLoop | None = None


def _expiry_loop(deps: OptimizerDeps, stop: threading.Event) -> None:
    """Expires due offers every few seconds; what Kafka did not take is expired again next time."""
    while not stop.wait(EXPIRY_EVERY_S):
        try:
            decide_and_publish(deps, lambda: deps.engine.expire_due(deps.clock()))
        except KafkaError as error:
            log.warning("expired offers not acknowledged by Kafka; retried", extra={"error": str(error)})


def _engine(config: OptimizerConfig, ownership: CarrierOwnership) -> RebookingEngine:
    return RebookingEngine(
        config.settings,
        config.policies,
        config.default_policy,
        config.detector_settings,
        ownership.owns,
        config.replan,
        config.booking_rules,
    )


def build(config: OptimizerConfig, deps: ServiceDeps) -> OptimizerService:
    topics, producer, registry = config.topics, deps.producer, deps.registry
    ownership = CarrierOwnership(topics.disruptions)
    parts = OptimizerDeps(
        _engine(config, ownership),
        producer,
        OptimizerMetrics(registry),
        bookings_topic=topics.bookings,
        offers_topic=topics.offers,
        clock=deps.clock,
    )
    view_topics = {
        "flights": topics.flights,
        "bookings": topics.bookings,
        "proximity": topics.proximity,
        "offers": topics.offers,
    }
    views = ViewLoop(
        deps.bootstrap,
        f"{deps.group_id}.views",
        list(view_topics.values()),
        ViewHandler(parts, view_topics),
        producer,
        registry,
        dead_letter_topic=topics.dead_letter,
    )
    parts.sync_flights = lambda timeout_s: views.sync(topics.flights.name, timeout_s)
    batcher = DisruptionBatcher(parts, views.caught_up, kill_after_offers=config.kill_after_offers)
    disruptions = ConsumerLoop(
        deps.bootstrap,
        deps.group_id,
        [topics.disruptions],
        batcher,
        producer,
        registry,
        after_batch=batcher.flush,
        discard_batch=batcher.discard,
        on_assigned=ownership.assigned,
        on_revoked=ownership.revoked,
        dead_letter_topic=topics.dead_letter,
    )
    batcher.dead_letter = disruptions.dead_letter
    stop_expiry = threading.Event()

    def start(readiness: Readiness) -> None:
        threading.Thread(target=_expiry_loop, args=(parts, stop_expiry), name="offer-expiry", daemon=True).start()
        hold_until(readiness, CATCHING_UP, views.caught_up)  # flights, bookings, proximity, offers

    return OptimizerService(
        bindings=[binding(parts)],
        consumers=[views, disruptions],
        start=start,
        closers=[stop_expiry.set],
        deps=parts,
        views=views,
        disruptions=disruptions,
    )

"""The notifier's composition root: ``build(config, deps) -> Service``, called by ``main`` and
by the integration tests alike.

A notifier is its engine (routing around the pure ``core.store``), the push channels behind
the ``channel.Channel`` port, the durable state on a compacted topic, the offers consumer and
the gRPC servicer.  ``build`` rebuilds the state from that topic before anything consumes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from rebook.notifier.channel import ChannelDeps, ChannelFactory
from rebook.notifier.core.settings import NotifierSettings
from rebook.notifier.core.store import NotificationStore
from rebook.notifier.engine import NotificationEngine
from rebook.notifier.metrics import NotifierMetrics
from rebook.notifier.servicer import ServicerDeps, binding
from rebook.notifier.state import KafkaStateSink, rebuild
from rebook.notifier.webhooks import Sender, WebhookChannel
from rebook.runtime.kafka import ConsumerLoop, DeadLetters, EventProducer, Record, read_to_end
from rebook.runtime.service import Service, ServiceDeps
from rebook.runtime.topics import DEAD_LETTER, NOTIFICATION_DEAD_LETTER, NOTIFICATIONS, OFFERS, TopicSpec
from rebook.v1 import offer_pb2

log = logging.getLogger(__name__)
# gRPC threads never given to Subscribe streams: unary calls and health checks always get one.
RESERVED_WORKERS = 32
# The push channels a passenger can register, besides the Subscribe streams (``channel.py``).
PUSH_CHANNELS: tuple[ChannelFactory, ...] = (WebhookChannel,)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class NotifierTopics:
    """The topics the notifier reads and writes (tests use throwaway ones)."""

    offers: TopicSpec = OFFERS
    state: TopicSpec = NOTIFICATIONS
    dead_letter: TopicSpec = NOTIFICATION_DEAD_LETTER
    poison: TopicSpec = DEAD_LETTER


@dataclass(frozen=True, slots=True)
class NotifierConfig:
    """The notifier's own settings: tunables, topics and the push channels it offers."""

    settings: NotifierSettings = field(default_factory=NotifierSettings)
    topics: NotifierTopics = NotifierTopics()
    channels: tuple[ChannelFactory, ...] = PUSH_CHANNELS


@dataclass(frozen=True, slots=True)
class NotifierDeps:
    """Everything the notifier needs from outside."""

    settings: NotifierSettings
    bootstrap: str
    group_id: str
    producer: EventProducer
    registry: CollectorRegistry
    topics: NotifierTopics = NotifierTopics()
    clock: Callable[[], datetime] = utc_now
    sender: Sender | None = None  # None: the guarded HTTPS sender (tests inject their own)
    grpc_max_workers: int = 16
    channels: tuple[ChannelFactory, ...] = PUSH_CHANNELS


class Notifier:
    def __init__(self, deps: NotifierDeps) -> None:
        self._deps = deps
        settings = deps.settings
        self.sink = sink = KafkaStateSink(deps.producer, deps.topics.state, deps.topics.dead_letter)
        self.engine = NotificationEngine(
            NotificationStore(settings.retention),
            sink,
            NotifierMetrics(deps.registry),
            deps.clock,
            max_streams=settings.max_streams or max(1, deps.grpc_max_workers - RESERVED_WORKERS),
            max_streams_per_passenger=settings.max_streams_per_passenger,
        )
        for factory in deps.channels:
            self.engine.attach(factory(ChannelDeps(settings, self.engine, deps.sender)))

    def restore(self) -> None:
        """Rebuilds the known notifications and channels; call before consuming."""
        deps = self._deps
        poison = DeadLetters(deps.bootstrap, deps.producer, deps.topics.poison, f"{deps.group_id}.state")
        state = rebuild(read_to_end(deps.bootstrap, [deps.topics.state]), poison.send)
        self.engine.restore(state.entries, state.channels, state.dead)

    def handle(self, record: Record) -> None:
        offer = record.decode(offer_pb2.Offer)
        if offer is not None:
            self.engine.on_offer(offer)

    def consumer(self) -> ConsumerLoop:
        """The offers consumer: notifications are durable on the state topic before each commit."""
        deps = self._deps
        return ConsumerLoop(
            deps.bootstrap,
            deps.group_id,
            [deps.topics.offers],
            self.handle,
            deps.producer,
            deps.registry,
            after_batch=self.sink.settle,
            dead_letter_topic=deps.topics.poison,
            client_id="rebook-notifier",
        )

    def servicer_deps(self) -> ServicerDeps:
        deps = self._deps
        return ServicerDeps(self.engine, deps.registry, deps.clock, deps.grpc_max_workers)

    def close(self) -> None:
        self.engine.close_subscriptions()
        self.engine.close_channels()


@dataclass
class NotifierService(Service):
    notifier: Notifier | None = None


def build(config: NotifierConfig, deps: ServiceDeps, sender: Sender | None = None) -> NotifierService:
    """The notifier, its state rebuilt; ``sender`` stands in for HTTP in tests."""
    notifier = Notifier(
        NotifierDeps(
            config.settings,
            deps.bootstrap,
            deps.group_id,
            deps.producer,
            deps.registry,
            config.topics,
            deps.clock,
            sender,
            deps.grpc_max_workers,
            config.channels,
        )
    )
    notifier.restore()
    return NotifierService(
        bindings=[binding(notifier.servicer_deps())],
        consumers=[notifier.consumer()],
        before_stop=[notifier.engine.close_subscriptions],
        closers=[notifier.close],
        notifier=notifier,
    )

"""The locator's composition root: ``build(config, deps) -> Service``, called by ``main`` and by
the integration tests alike, and its configuration from ``REBOOK_LOCATOR_*``.

``Locator`` assembles tracker, publisher, target view, maintenance and the servicer's deps
around one producer and registry.  It is ready once its target view caught up with the
bookings and flights topics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.maintenance import Maintenance
from rebook.locator.metrics import LocatorMetrics
from rebook.locator.publisher import ProximityPublisher
from rebook.locator.servicer import LocatorDeps, binding, utc_now
from rebook.locator.targets import TargetFeed, target_view
from rebook.runtime.config import ConfigError, Env
from rebook.runtime.kafka import EventProducer
from rebook.runtime.service import CATCHING_UP, Readiness, Service, ServiceDeps, hold_until
from rebook.runtime.topics import BOOKINGS, DEAD_LETTER, FLIGHTS, PROXIMITY, TopicSpec


@dataclass(frozen=True, slots=True)
class LocatorTopics:
    """Where the locator reads and writes (overridable for tests, benchmarks, shared clusters)."""

    proximity: TopicSpec = PROXIMITY
    bookings: TopicSpec = BOOKINGS
    flights: TopicSpec = FLIGHTS
    dead_letter: TopicSpec = DEAD_LETTER


@dataclass(frozen=True, slots=True)
class LocatorConfig:
    settings: LocatorSettings = field(default_factory=LocatorSettings)
    topics: LocatorTopics = field(default_factory=LocatorTopics)
    maintenance_interval: timedelta = timedelta(minutes=1)


def load_config(environ: Mapping[str, str] | None = None) -> LocatorConfig:
    """Reads ``REBOOK_LOCATOR_*``; a bad value raises ``ConfigError`` naming the variable."""
    env = Env(environ)
    defaults, topics = LocatorSettings(), LocatorTopics()
    spans: dict[str, Any] = {  # replace() checks each against its field
        name: env.duration(f"LOCATOR_{name.upper()}", getattr(defaults, name))
        for name in ("stale_after", "retention", "debounce_step")
    }
    try:
        settings = replace(defaults, **spans)
    except ValueError as exc:
        raise ConfigError(f"REBOOK_LOCATOR_*: {exc}") from None
    interval = env.duration("LOCATOR_MAINTENANCE_INTERVAL", timedelta(minutes=1))
    if interval <= timedelta(0):
        raise ConfigError("REBOOK_LOCATOR_MAINTENANCE_INTERVAL must be positive")
    topic_names = {
        name: env.str(f"LOCATOR_{name.upper()}_TOPIC", getattr(topics, name).name)
        for name in ("proximity", "bookings", "flights", "dead_letter")
    }
    chosen = LocatorTopics(**{name: replace(getattr(topics, name), name=value) for name, value in topic_names.items()})
    return LocatorConfig(settings, chosen, interval)


class Locator:
    """The parts of one locator instance, wired together."""

    def __init__(
        self,
        config: LocatorConfig,
        bootstrap: str,
        producer: EventProducer,
        registry: CollectorRegistry,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.tracker = ProximityTracker(config.settings)
        self.metrics = LocatorMetrics(registry, lambda: self.tracker.tracked_count)
        self.publisher = ProximityPublisher(
            producer, config.topics.proximity, self.metrics, clock, self.tracker.published
        )
        self.feed = TargetFeed(self.tracker, self.publisher, config.topics.bookings.name, clock)
        topics = (config.topics.bookings, config.topics.flights)
        self.view = target_view(bootstrap, self.feed, topics, config.topics.dead_letter, producer, registry)
        self.maintenance = Maintenance(self.tracker, self.publisher, clock, config.maintenance_interval)
        self.deps = LocatorDeps(
            self.tracker, self.publisher, self.metrics, registry, self.feed.target, clock, self.feed.trips
        )

    def service(self) -> LocatorService:
        """For ``serving``: the view runs as a consumer, maintenance and publisher from start."""
        return LocatorService(
            bindings=[binding(self.deps)],
            consumers=[self.view],
            start=self._on_started,
            closers=[self.maintenance.stop, self.publisher.stop],
            locator=self,
        )

    def _on_started(self, readiness: Readiness) -> None:
        self.maintenance.start()
        self.publisher.start()
        hold_until(readiness, CATCHING_UP, self.view.caught_up)  # the target view, read to its end


@dataclass
class LocatorService(Service):
    locator: Locator | None = None


def build(config: LocatorConfig, deps: ServiceDeps) -> LocatorService:
    return Locator(config, deps.bootstrap, deps.producer, deps.registry, deps.clock).service()

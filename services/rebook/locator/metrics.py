"""The locator's Prometheus series, declared on an injectable registry.

No passenger labels: the only labels are the refusal reason and what triggered a publish,
each initialised up front so dashboards see zeros rather than gaps.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REFUSAL_REASONS = ("invalid", "no_consent", "not_allowed")
PUBLISH_TRIGGERS = ("ping", "target", "stale", "retry")
TOMBSTONE_REASONS = ("forget", "expired", "retry")
# GetProximity is in-memory work: 10 µs .. 100 ms.
LOOKUP_BUCKETS = (0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.1)


class LocatorMetrics:
    def __init__(self, registry: CollectorRegistry, tracked: Callable[[], int]) -> None:
        self.pings_received = Counter(
            "rebook_locator_pings_received_total", "Location pings received.", registry=registry
        )
        self.pings_refused = Counter(
            "rebook_locator_pings_refused_total", "Location pings refused, by reason.", ["reason"], registry=registry
        )
        self.published = Counter(
            "rebook_locator_proximity_updates_published_total",
            "Proximity updates handed to Kafka, by what triggered them.",
            ["trigger"],
            registry=registry,
        )
        self.tombstones = Counter(
            "rebook_locator_proximity_tombstones_published_total",
            "Proximity tombstones handed to Kafka, by reason.",
            ["reason"],
            registry=registry,
        )
        self.lookup_seconds = Histogram(
            "rebook_locator_lookup_duration_seconds",
            "Time to answer a GetProximity lookup.",
            buckets=LOOKUP_BUCKETS,
            registry=registry,
        )
        self.tracked = Gauge(
            "rebook_locator_passengers_tracked", "Passengers whose latest ping is held.", registry=registry
        )
        self.tracked.set_function(tracked)
        self.undelivered = Gauge(
            "rebook_locator_undelivered_passengers",
            "Passengers whose latest proximity Kafka has not acknowledged yet (sent again until it does).",
            registry=registry,
        )
        for reason in REFUSAL_REASONS:
            self.pings_refused.labels(reason)
        for trigger in PUBLISH_TRIGGERS:
            self.published.labels(trigger)
        for reason in TOMBSTONE_REASONS:
            self.tombstones.labels(reason)

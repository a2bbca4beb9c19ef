"""The notifier's Prometheus series, declared on an injectable registry with every label set
created up front (dashboards see zeros, not gaps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from rebook.notifier.core.channels import Route

# Disruption known → offer on the device: 10 ms .. 10 min.
NOTIFICATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
OUTCOMES = ("delivered", "failed", "expired")
SCOPES = ("passenger", "airline")


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "rebook_notifications_sent_total",
            "Notification push attempts by channel and outcome "
            "(delivered; failed = a webhook attempt that failed; expired = never collected within retention).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.created = Counter(
            "rebook_notifications_created_total",
            "Notifications made (one per offer version per passenger).",
            registry=registry,
        )
        self.duplicates = Counter(
            "rebook_notification_duplicates_total",
            "Offer versions consumed again (replays, stale versions) that made no notification.",
            registry=registry,
        )
        self.retries = Counter(
            "rebook_notification_retries_total", "Webhook deliveries scheduled again.", ["channel"], registry=registry
        )
        self.dead_letters = Counter(
            "rebook_notification_dead_letters_total",
            "Notifications given up on and sent to the notification dead-letter topic.",
            registry=registry,
        )
        self.subscribers = Gauge(
            "rebook_notification_subscribers", "Open Subscribe streams.", ["scope"], registry=registry
        )
        self.latency = Histogram(
            "rebook_disruption_to_notification_seconds",
            "From the disruption becoming known to the offer written to a device stream or accepted by a webhook.",
            ["channel"],
            buckets=NOTIFICATION_BUCKETS,
            registry=registry,
        )
        for route in Route:
            self.retries.labels(route.value)
            self.latency.labels(route.value)
            for outcome in OUTCOMES:
                self.sent.labels(route.value, outcome)
        for scope in SCOPES:
            self.subscribers.labels(scope)

"""The detector's Prometheus series, on an injectable registry, every label set created up front."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from rebook.domain.errors import NotFoundError, ValidationError
from rebook.domain.model import Disruption
from rebook.flightops.events import CHANGE_FIELD
from rebook.flightops.rules import LEG_KINDS
from rebook.runtime.metrics import LATENCY_BUCKETS

EVENT_KINDS = (*CHANGE_FIELD.values(), "unspecified")
REJECT_REASONS = (ValidationError.reason, NotFoundError.reason)
IGNORE_REASONS = ("duplicate", "stale")
BASES = ("confirmed", "predicted")


class DetectorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "rebook_detector_events_received_total",
            "Flight events received, by change kind.",
            ["kind"],
            registry=registry,
        )
        self.rejected = Counter(
            "rebook_detector_events_rejected_total",
            "Flight events rejected whole, by error reason.",
            ["reason"],
            registry=registry,
        )
        self.legs_rejected = Counter(
            "rebook_detector_legs_rejected_total",
            "Schedule legs refused by LoadSchedule (the request's other legs were loaded), by error reason.",
            ["reason"],
            registry=registry,
        )
        self.ignored = Counter(
            "rebook_detector_events_ignored_total",
            "Flight events that changed nothing: a known event id, or older than one already applied.",
            ["reason"],
            registry=registry,
        )
        self.disruptions = Counter(
            "rebook_detector_disruptions_emitted_total",
            "Disruption versions published, by kind and basis (predicted by rotation propagation or confirmed).",
            ["kind", "basis"],
            registry=registry,
        )
        self.latency = Histogram(
            "rebook_detector_event_to_disruption_seconds",
            "From a flight event's receipt to its disruption versions acknowledged by Kafka.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.legs = Gauge("rebook_detector_legs_tracked", "Flight legs held in memory.", registry=registry)
        self.last_event = Gauge(
            "rebook_detector_last_event_timestamp_seconds",
            "Event time of the latest flight event applied (Unix seconds).",
            registry=registry,
        )
        self._initialise()

    def _initialise(self) -> None:
        for kind in EVENT_KINDS:
            self.events.labels(kind)
        for reason in REJECT_REASONS:
            self.rejected.labels(reason)
        for reason in IGNORE_REASONS:
            self.ignored.labels(reason)
        for disruption_kind in LEG_KINDS:
            for basis in BASES:
                self.disruptions.labels(disruption_kind.name.lower(), basis)

    def emitted(self, disruption: Disruption) -> None:
        basis = "predicted" if disruption.predicted else "confirmed"
        self.disruptions.labels(disruption.kind.name.lower(), basis).inc()

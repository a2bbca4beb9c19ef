"""The optimizer's Prometheus series, on an injectable registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from rebook.domain.model import DisruptionKind
from rebook.optimizer.offers import OfferStatus, ResponseKind

SOLVE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


class OptimizerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.disruptions = Counter(
            "rebook_optimizer_disruptions_consumed_total", "Disruption versions consumed.", ["kind"], registry=registry
        )
        self.batch_failures = Counter(
            "rebook_optimizer_batch_failures_total", "Disruption batches that failed to solve.", registry=registry
        )
        self.bookings_affected = Counter(
            "rebook_optimizer_bookings_affected_total",
            "Bookings found affected that had no unanswered offer (re-plans are not counted again).",
            registry=registry,
        )
        self.passengers_affected = Counter(
            "rebook_optimizer_passengers_affected_total",
            "Passengers of the bookings counted by rebook_optimizer_bookings_affected_total.",
            registry=registry,
        )
        self.offers_replanned = Counter(
            "rebook_optimizer_offers_replanned_total",
            "Unanswered offers given a new version when planned again with a later batch.",
            registry=registry,
        )
        self.offers = Counter(
            "rebook_optimizer_offers_total",
            "Offer versions published, by resulting status.",
            ["status"],
            registry=registry,
        )
        self.solve_seconds = Histogram(
            "rebook_optimizer_solve_seconds",
            "Wall time of a plan (affected, candidates, solve).",
            buckets=SOLVE_BUCKETS,
            registry=registry,
        )
        self.last_gap = Gauge(
            "rebook_optimizer_last_solve_gap_ratio", "Relative gap of the last solve.", registry=registry
        )
        self.deadline_hits = Counter(
            "rebook_optimizer_solver_deadline_hits_total", "Solves cut short by the time limit.", registry=registry
        )
        self.candidates = Counter(
            "rebook_optimizer_candidates_total", "Candidate itineraries generated.", registry=registry
        )
        self.seats_held = Gauge("rebook_optimizer_seats_held", "Seats currently held for offers.", registry=registry)
        self.responses = Counter(
            "rebook_optimizer_responses_total", "Passenger responses received.", ["kind"], registry=registry
        )
        self.response_failures = Counter(
            "rebook_optimizer_response_failures_total", "Passenger responses refused.", ["kind"], registry=registry
        )
        for kind in DisruptionKind:
            self.disruptions.labels(kind.name.lower())
        for status in OfferStatus:
            self.offers.labels(status.name.lower())
        for response in ResponseKind:
            self.responses.labels(response.name.lower())
            self.response_failures.labels(response.name.lower())

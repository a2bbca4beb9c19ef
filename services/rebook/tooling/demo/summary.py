"""The demo's summary, from the services' outputs only: offers (the newest version of each, one
current offer per booking), disruptions, notifications as the replay's streams received them,
solver series from ``/metrics``, and the online plan against ``rebook solve``'s offline one."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from rebook.domain.convert import booking_from_proto, timestamp_field
from rebook.optimizer.convert import offer_from_proto
from rebook.optimizer.main import load_settings
from rebook.optimizer.offer_costs import total_cost as priced
from rebook.runtime.config import Env
from rebook.tooling.sim.generator.geo import zone
from rebook.tooling.stats import quantile, weighted_quantile
from rebook.v1 import disruption_pb2, offer_pb2

GONE = ("OFFER_STATUS_SUPERSEDED", "OFFER_STATUS_WITHDRAWN")
WITH_SEATS = ("OFFER_STATUS_OPEN", "OFFER_STATUS_PROTECTED", "OFFER_STATUS_ACCEPTED")


def _status(offer) -> str:
    return offer_pb2.OfferStatus.Name(offer.status) if offer.status in offer_pb2.OfferStatus.values() else "?"


def latest_offers(offers: Iterable) -> dict[str, Any]:
    """The newest version of each offer, then the one current offer per booking."""
    newest: dict[str, Any] = {}
    for offer in offers:
        have = newest.get(offer.offer_id)
        if have is None or offer.version > have.version:
            newest[offer.offer_id] = offer
    by_booking: dict[str, Any] = {}
    for offer in newest.values():
        if _status(offer) in GONE:
            continue
        have = by_booking.get(offer.record_locator)
        if have is None or offer.create_time.ToNanoseconds() > have.create_time.ToNanoseconds():
            by_booking[offer.record_locator] = offer
    return by_booking


def offer_stats(current: dict[str, Any]) -> dict[str, Any]:
    """Who was offered what, from current offers (one per booking): shares, delays, same day."""
    passengers = sum(len(o.passenger_ids) for o in current.values())
    tally = _Tally()
    for offer in current.values():
        tally.add(offer)
    offered_p, total_delay = tally.offered_passengers, sum(d * w for d, w in tally.delays)
    return {
        "bookings": len(current),
        "passengers": passengers,
        "offered_bookings": tally.offered_bookings,
        "offered_passengers": offered_p,
        "unaccommodated_passengers": tally.unaccommodated,
        "offered_passenger_share": offered_p / passengers if passengers else None,
        "offered_booking_share": tally.offered_bookings / len(current) if current else None,
        "groups_split": tally.split,
        "same_day_share": tally.same_day / offered_p if offered_p else None,
        "within_24h_share": tally.within_day / offered_p if offered_p else None,
        "affected_same_day_share": tally.same_day / passengers if passengers else None,
        "affected_within_24h_share": tally.within_day / passengers if passengers else None,
        "unaccommodated_by_reason": dict(sorted(tally.no_seat.items())),
        "delay_min_mean": total_delay / offered_p if offered_p else None,
        "delay_min_p50": weighted_quantile(tally.delays, 0.5),
        "delay_min_p95": weighted_quantile(tally.delays, 0.95),
        "delay_hours_total": total_delay / 60,
        "by_status": dict(sorted(tally.statuses.items())),
    }


@dataclass
class _Tally:
    """The counts ``offer_stats`` adds up, offer by offer (passengers, unless said)."""

    offered_bookings: int = 0
    offered_passengers: int = 0
    same_day: int = 0
    within_day: int = 0
    unaccommodated: int = 0
    split: int = 0  # bookings
    no_seat: dict[str, int] = field(default_factory=dict)
    delays: list[tuple[float, int]] = field(default_factory=list)  # (minutes, passengers)
    statuses: dict[str, int] = field(default_factory=dict)  # offers

    def add(self, offer) -> None:
        status = _status(offer)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        party = len(offer.passenger_ids)
        held = [o for o in offer.options if o.held and o.kind == offer_pb2.OPTION_KIND_REBOOK]
        if status == "OFFER_STATUS_ACCEPTED" and not held:
            held = [o for o in offer.options if o.option_id == offer.chosen_option_id]
        if status not in WITH_SEATS or not held:
            self.unaccommodated += party
            why = offer_pb2.UnaccommodatedReason.Name(offer.unaccommodated_reason)
            why = why.removeprefix("UNACCOMMODATED_REASON_").lower()
            self.no_seat[why] = self.no_seat.get(why, 0) + party
            return
        self.offered_bookings += 1
        self.offered_passengers += party
        self.split += len(held) > 1  # a large group on several flights, one held option per sub-group
        for option in held:
            self._held(option, len(option.passenger_ids) or party)

    def _held(self, option, passengers: int) -> None:
        delay = option.arrival_delay.ToTimedelta()
        self.delays.append((delay.total_seconds() / 60, passengers))
        self.within_day += passengers if delay <= timedelta(hours=24) else 0
        arrival = timestamp_field(option, "arrival_time")
        destination = option.segments[-1].destination if option.segments else ""
        if arrival is not None and destination:
            tz = zone(destination)
            if arrival.astimezone(tz).date() == (arrival - delay).astimezone(tz).date():
                self.same_day += passengers


def disruption_stats(messages: Iterable, carrier: str, leg_ids: set[str]) -> dict[str, Any]:
    newest: dict[str, Any] = {}
    versions = 0
    for d in messages:
        if d.carrier != carrier or not leg_ids.intersection(d.leg_ids):
            continue
        versions += 1
        have = newest.get(d.disruption_id)
        if have is None or d.version > have.version:
            newest[d.disruption_id] = d
    live = [d for d in newest.values() if not d.withdrawn]
    legs: dict[str, tuple[str, bool]] = {}
    for d in live:
        kind = disruption_pb2.DisruptionKind.Name(d.kind).removeprefix("DISRUPTION_KIND_")
        for leg in d.leg_ids:
            if leg in leg_ids and (leg not in legs or kind == "CANCELLATION"):
                legs[leg] = (kind, d.predicted)
    by_kind: dict[str, int] = {}
    for kind, _ in legs.values():
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return {
        "disrupted": len(legs),
        "by_kind": dict(sorted(by_kind.items())),
        "predicted": sum(1 for _, p in legs.values() if p),
        "disruptions": len(live),
        "disruption_versions": versions,
        "withdrawn": len(newest) - len(live),
    }


def notification_stats(records: list, current: dict[str, Any], our_offers: set[str], devices: int) -> dict[str, Any]:
    """Notifications this run's streams received for this run's offers (each id once)."""
    seen: dict[str, Any] = {}
    for record in records:
        if record.offer_id in our_offers and record.notification_id not in seen:
            seen[record.notification_id] = record
    mine = list(seen.values())
    # Latency of the notifications that brought a proposal (not the superseded/withdrawn notices).
    latencies = [r.latency_s for r in mine if r.latency_s is not None and r.offer_status not in GONE]
    current_ids = {o.offer_id for o in current.values()}
    affected = {p for o in current.values() for p in o.passenger_ids}
    notified = {r.passenger_id for r in mine if r.offer_id in current_ids}
    return {
        "delivered": len(mine),
        "device": sum(1 for r in mine if r.channel == "device"),
        "backend": sum(1 for r in mine if r.channel == "backend"),
        "devices": devices,
        "passengers_notified": len(notified & affected),
        "coverage": len(notified & affected) / len(affected) if affected else None,
        "latency_s": {
            "count": len(latencies),
            "p50": rounded(quantile(latencies, 0.5, None)),
            "p95": rounded(quantile(latencies, 0.95, None)),
            "p99": rounded(quantile(latencies, 0.99, None)),
            "max": rounded(max(latencies) if latencies else None),
            "mean": rounded(statistics.fmean(latencies) if latencies else None),
        },
    }


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def solver_stats(metrics: dict[str, float]) -> dict[str, Any]:
    count = metrics.get("rebook_optimizer_solve_seconds_count", 0.0)
    total = metrics.get("rebook_optimizer_solve_seconds_sum", 0.0)
    return {
        "solves": int(count),
        "seconds_total": round(total, 3),
        "seconds_mean": round(total / count, 3) if count else None,
        "last_gap_ratio": metrics.get("rebook_optimizer_last_solve_gap_ratio"),
        "deadline_hits": int(metrics.get("rebook_optimizer_solver_deadline_hits_total", 0)),
        "candidates": int(metrics.get("rebook_optimizer_candidates_total", 0)),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else (a - b) / b


def total_cost(current: dict[str, Any], bookings: dict[str, Any]) -> float:
    """The optimizer's objective (money, the no-seat cost included) of the
    offers as published, one current offer per booking, priced with the scenario's bookings
    (``Booking`` messages by record locator)."""
    # Keys are the folder's record locators; an online offer carries this run's own locator.
    pairs = [(offer_from_proto(offer), bookings[k]) for k, offer in current.items() if k in bookings]
    by_offer = {offer.record_locator: booking_from_proto(booking) for offer, booking in pairs}
    return priced([offer for offer, _ in pairs], by_offer, load_settings(Env()))


def compare(
    online_current: dict[str, Any], online: dict[str, Any], offline_current: dict[str, Any], offline: dict[str, Any]
) -> dict[str, Any]:
    """Online (services) against offline (``rebook solve``) on the same scenario; ``online`` and
    ``offline`` carry ``total_cost`` besides ``offer_stats``."""
    ours, theirs = set(online_current), set(offline_current)
    both = ours & theirs
    return {
        "online_total_cost": round(online["total_cost"], 1),
        "offline_total_cost": round(offline["total_cost"], 1),
        "cost_diff_ratio": ratio(online["total_cost"], offline["total_cost"]),
        "online_bookings": len(ours),
        "offline_bookings": len(theirs),
        "both": len(both),
        "only_online": len(ours - theirs),
        "only_offline": len(theirs - ours),
        "overlap_ratio": len(both) / len(ours | theirs) if ours | theirs else None,
        "online_offered_share": online["offered_passenger_share"],
        "offline_offered_share": offline["offered_passenger_share"],
        "online_delay_min_mean": rounded(online["delay_min_mean"], 1),
        "offline_delay_min_mean": rounded(offline["delay_min_mean"], 1),
        "delay_diff_ratio": ratio(online["delay_min_mean"], offline["delay_min_mean"]),
        "online_delay_hours": round(online["delay_hours_total"], 1),
        "offline_delay_hours": round(offline["delay_hours_total"], 1),
        "delay_hours_diff_ratio": ratio(online["delay_hours_total"], offline["delay_hours_total"]),
    }


def load_offline_offers(path: Path) -> list:
    out = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json_format.Parse(line, offer_pb2.Offer()))
    return out

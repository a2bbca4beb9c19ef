"""What a replay reports when it ends: counts, what the services refused, the notifications and
their ``disruption_known_time → received`` latency."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from google.protobuf.message import Message

from rebook.domain.batch import SHOWN_REJECTIONS

from .config import NotificationRecord, ReplayConfig, ReplayProgress, quantiles


def changed_nothing(progress: ReplayProgress) -> bool:
    """True when the services already had everything: every event sent was known by its id
    and every booking by its version — the scenario was replayed before (``--rename``)."""
    if progress.events_sent:
        return progress.events_applied == 0 and progress.events_seen_before == progress.events_sent
    loaded = progress.bookings_loaded
    return loaded > 0 and progress.bookings_unchanged == loaded


def build_report(
    progress: ReplayProgress,
    records: Sequence[NotificationRecord],
    config: ReplayConfig,
    shift: timedelta,
    wall_s: float,
    skipped: Sequence[str],
) -> dict[str, Any]:
    latencies = [r.latency_s for r in records if r.latency_s is not None]
    device = [r for r in records if r.channel == "device"]
    return {
        "speed": "max" if config.max_speed else config.speed,
        "shift_s": shift.total_seconds(),
        "wall_s": wall_s,
        "legs": {"total": progress.legs_total, "loaded": progress.legs_loaded, "rejected": progress.legs_rejected},
        "bookings": {
            "total": progress.bookings_total,
            "loaded": progress.bookings_loaded,
            "rejected": progress.bookings_rejected,
            "unchanged": progress.bookings_unchanged,
        },
        "events": {
            "total": progress.events_total,
            "sent": progress.events_sent,
            "applied": progress.events_applied,
            "rejected": progress.events_rejected,
            "seen_before": progress.events_seen_before,
        },
        "pings": {"total": progress.pings_total, "sent": progress.pings_sent, "rejected": progress.pings_rejected},
        "skipped": {"count": len(skipped), "first": list(skipped[:SHOWN_REJECTIONS])},
        "changed_nothing": changed_nothing(progress),
        "devices_subscribed": progress.devices_subscribed,
        "notifications": {
            "received": len(records),
            "device": len(device),
            "backend": len(records) - len(device),
            "passengers": len({r.passenger_id for r in records}),
            "offers": len({r.offer_id for r in records}),
            "by_status": _count(r.offer_status for r in records),
            "latency_s": quantiles(latencies),
        },
        "devices_refused": progress.devices_refused,
        "rejections": progress.rejections[:20],
        "errors": progress.errors,
    }


def enum_name(message: Message, name: str) -> str:
    descriptor = message.DESCRIPTOR.fields_by_name[name].enum_type
    value = getattr(message, name)
    if descriptor is None:  # not an enum field
        return str(value)
    return descriptor.values_by_number[value].name if value in descriptor.values_by_number else str(value)


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items()))

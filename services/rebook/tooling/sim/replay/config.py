"""What a replay is told (``ReplayConfig``), what it counts (``ReplayProgress``) and what it
saw (``NotificationRecord``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rebook.runtime.auth import Keyring
from rebook.tooling.stats import quantile

DEFAULT_ADDRESSES = {
    "detector": "127.0.0.1:50051",
    "locator": "127.0.0.1:50052",
    "optimizer": "127.0.0.1:50053",
    "notifier": "127.0.0.1:50054",
}
CHANNEL_OPTIONS = (("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20))


@dataclass(frozen=True)
class ReplayConfig:
    """Where to send what, and how fast.  An address of ``None`` skips that service."""

    detector: str | None = DEFAULT_ADDRESSES["detector"]
    optimizer: str | None = DEFAULT_ADDRESSES["optimizer"]
    locator: str | None = DEFAULT_ADDRESSES["locator"]
    notifier: str | None = DEFAULT_ADDRESSES["notifier"]
    speed: float = 0.0  # times real time; 0 = as fast as possible
    shift: str | timedelta = "auto"  # "auto", "none" or a fixed shift
    start: datetime | None = None  # scenario instant where pacing starts (earlier items go at once)
    devices: int = 200  # passenger devices to subscribe; -1 = every opted-in passenger
    app_backend: str = ""  # an app backend's client token: one airline-wide Subscribe stream
    client_token: str = ""  # the airline client's token for writes; "" = ``tool_token()``
    keyring: Keyring | None = None  # mints device tokens; None = ``load_keyring()``
    rpc_timeout_s: float = 10.0
    connect_timeout_s: float = 30.0  # a service not accepting connections by then is skipped
    retries: int = 10  # on UNAVAILABLE, backoff 0.2 s doubling to 5 s (~30 s in all)
    linger_s: float = 10.0  # after the last message, stop once no notification came for this long
    max_linger_s: float = 120.0
    schedule_chunk: int = 500
    booking_chunk: int = 500
    event_batch: int = 100
    ping_batch: int = 200

    @property
    def max_speed(self) -> bool:
        return not self.speed or math.isinf(self.speed)


@dataclass
class ReplayProgress:
    """Counters the demo can show live (a snapshot is passed to ``on_progress``)."""

    phase: str = "init"  # connect, subscribe, schedule, bookings, stream, linger, done
    legs_total: int = 0
    legs_loaded: int = 0
    legs_rejected: int = 0
    bookings_total: int = 0
    bookings_loaded: int = 0
    bookings_rejected: int = 0
    bookings_unchanged: int = 0  # the same or a newer version was stored already
    events_total: int = 0
    events_sent: int = 0
    events_applied: int = 0
    events_rejected: int = 0
    events_seen_before: int = 0  # taken but not applied: the id was known (a second replay)
    pings_total: int = 0
    pings_sent: int = 0
    pings_rejected: int = 0
    devices_subscribed: int = 0
    notifications_received: int = 0
    scenario_time: datetime | None = None  # scenario (shifted) time of the last item sent
    devices_refused: int = 0  # Subscribe streams the notifier refused (e.g. its stream cap)
    errors: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)  # items the services refused: the first reasons


@dataclass(frozen=True)
class NotificationRecord:
    """One notification as a device (or the app backend) got it."""

    channel: str  # "device" or "backend"
    passenger_id: str
    notification_id: str
    offer_id: str
    offer_version: int
    offer_status: str
    record_locator: str
    disruption_id: str
    predicted: bool
    disruption_known_time: datetime | None
    received_time: datetime

    @property
    def latency_s(self) -> float | None:
        if self.disruption_known_time is None:
            return None
        return (self.received_time - self.disruption_known_time).total_seconds()

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["disruption_known_time"] = _iso(self.disruption_known_time)
        out["received_time"] = _iso(self.received_time)
        out["latency_s"] = None if self.latency_s is None else round(self.latency_s, 3)
        return out


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def quantiles(values: Sequence[float]) -> dict[str, float | int]:
    """count, p50, p90, p99 and max (nearest-rank) of ``values``."""
    if not values:
        return {"count": 0}

    def rank(q: float) -> float:
        return round(quantile(values, q), 3)

    return {"count": len(values), "p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "max": rank(1.0)}

"""A scenario's events and pings merged into one time-ordered timeline, and the time shift that
moves it onto the services' wall clock (see the package docstring, **Time**)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message

from rebook.domain.convert import timestamp_field

from ..scenario import Scenario
from .config import ReplayConfig


@dataclass(frozen=True, slots=True)
class Item:
    at: datetime
    kind: str  # "event" or "ping"
    message: Message


def timeline(scenario: Scenario) -> list[Item]:
    epoch = datetime.fromtimestamp(0, UTC)
    items = [Item(timestamp_field(e, "event_time") or epoch, "event", e) for e in scenario.events]
    items += [Item(timestamp_field(p, "ping_time") or epoch, "ping", p) for p in scenario.pings]
    items.sort(key=lambda item: item.at)  # stable: file order within one instant, events first
    return items


def choose_shift(items: list[Item], config: ReplayConfig, now: datetime) -> timedelta:
    """``none``: no shift; a fixed one as given; ``auto``: the replay's start (at a finite speed)
    or its last item (at max speed) maps to ``now``, in whole minutes."""
    times = [item.at for item in items]
    if config.shift == "none" or not times:
        return timedelta(0)
    if isinstance(config.shift, timedelta):
        return config.shift
    anchor = times[-1] if config.max_speed else (config.start or times[0])
    return timedelta(minutes=round((now - anchor) / timedelta(minutes=1)))

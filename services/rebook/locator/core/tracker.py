"""Per-passenger state of the locator: latest ping, target airport, last published proximity.

Raw coordinates live only in this object's memory; everything it returns is a coarse
``Proximity``.  All methods are safe to call from the gRPC server's thread pool: shared
state sits behind one lock, and validation and the nearest-airport search run outside it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

from rebook.domain.airport_index import AirportIndex, default_index
from rebook.domain.model import Proximity, ProximityBand
from rebook.locator.core.proximity import estimate, is_stale, unknown
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.validation import LocationPing, require_airport, validate_passenger_id, validate_ping


@dataclass(slots=True)
class _Presence:
    """What we hold for a passenger who has sent a ping."""

    ping: LocationPing
    nearest_airport: str
    at_airport_since: datetime | None = None  # first ping of the current visit to the target
    published: Proximity | None = None


def should_publish(previous: Proximity | None, current: Proximity, settings: LocatorSettings) -> bool:
    """Debounce: publish only what a consumer would act on."""
    if previous is None:
        return True
    return (
        current.band != previous.band
        or current.target_airport != previous.target_airport
        or current.stale != previous.stale
        or abs(current.time_to_gate - previous.time_to_gate) > settings.debounce_step
        or current.ping_time - previous.ping_time >= settings.refresh_after
    )


class ProximityTracker:
    """Turns pings into proximities to publish; see the module docstring."""

    def __init__(self, settings: LocatorSettings | None = None, index: AirportIndex | None = None) -> None:
        self.settings = settings or LocatorSettings()
        self.index = index or default_index()
        self._lock = threading.Lock()
        self._presence: dict[str, _Presence] = {}
        self._targets: dict[str, str] = {}

    @property
    def tracked_count(self) -> int:
        """Passengers whose ping we currently hold."""
        return len(self._presence)

    def report(self, ping: LocationPing, now: datetime) -> Proximity | None:
        """Take a ping; return the proximity to publish, or None when nothing changed enough.

        Raises ``PermissionDeniedError`` without consent, ``ValidationError`` if malformed.
        A ping older than the one held (out-of-order delivery) is ignored.
        """
        validate_ping(ping, self.settings, now)
        nearest, _ = self.index.nearest(ping.latitude, ping.longitude)
        with self._lock:
            held = self._presence.get(ping.passenger_id)
            if held is not None and ping.ping_time <= held.ping.ping_time:
                return None
            target = self.index.lookup(self._targets.get(ping.passenger_id, ""))
            since = held.at_airport_since if held else None
            current = estimate(ping, nearest, target, self.settings, now=now, at_airport_since=since)
            presence = _Presence(ping, nearest, _visit_start(current, since), held.published if held else None)
            self._presence[ping.passenger_id] = presence
            return self._publish_if_changed(presence, current)

    def set_target(self, passenger_id: str, airport: str, now: datetime) -> Proximity | None:
        """Set the departure airport of the passenger's next segment ("" clears it).

        Returns the proximity to publish when a held ping now measures against a new target.
        """
        validate_passenger_id(passenger_id)
        target = require_airport(airport, self.index) if airport else None
        with self._lock:
            if self._targets.get(passenger_id, "") == airport:
                return None
            if airport:
                self._targets[passenger_id] = airport
            else:
                self._targets.pop(passenger_id, None)
            held = self._presence.get(passenger_id)
            if held is None:
                return None
            current = estimate(held.ping, held.nearest_airport, target, self.settings, now=now)
            held.at_airport_since = _visit_start(current, None)
            return self._publish_if_changed(held, current)

    def proximity(self, passenger_id: str, airport: str, now: datetime) -> Proximity:
        """Current proximity to ``airport`` (the held target when ""), never raw coordinates.

        UNKNOWN when no ping is held or no target is known.
        """
        validate_passenger_id(passenger_id)
        requested = require_airport(airport, self.index) if airport else None
        with self._lock:
            held = self._presence.get(passenger_id)
            held_target = self._targets.get(passenger_id, "")
        target = requested or self.index.lookup(held_target)
        if held is None:
            return unknown(passenger_id, target.iata if target else "")
        # The visit start belongs to the held target; another airport starts from scratch.
        since = held.at_airport_since if target is not None and target.iata == held_target else None
        return estimate(held.ping, held.nearest_airport, target, self.settings, now=now, at_airport_since=since)

    def published(self, passenger_id: str) -> Proximity | None:
        """The proximity last handed out for publishing, None when no ping is held."""
        with self._lock:
            held = self._presence.get(passenger_id)
            return held.published if held is not None else None

    def forget(self, passenger_id: str) -> bool:
        """Drop everything held for a passenger (consent withdrawn); True if anything was held."""
        with self._lock:
            had_ping = self._presence.pop(passenger_id, None) is not None
            had_target = self._targets.pop(passenger_id, None) is not None
        return had_ping or had_target

    def expire(self, now: datetime) -> list[str]:
        """Drop pings older than the retention; return the passenger ids dropped (sorted).

        Targets are kept: they come from bookings, not from the passenger's device.
        """
        cutoff = now - self.settings.retention
        with self._lock:
            dropped = [pid for pid, held in self._presence.items() if held.ping.ping_time < cutoff]
            for pid in dropped:
                del self._presence[pid]
        return sorted(dropped)

    def mark_stale(self, now: datetime) -> list[Proximity]:
        """Proximities to republish because their ping has gone stale since publication.

        A passenger who stops pinging would otherwise stay "fresh" on the topic forever;
        call this periodically (e.g. every minute) and publish what it returns.
        """
        with self._lock:
            changed = [
                held
                for held in self._presence.values()
                if held.published is not None
                and not held.published.stale
                and is_stale(held.published.ping_time, now, self.settings)
            ]
            republished: list[Proximity] = []
            for held in changed:
                assert held.published is not None  # chosen above for having one
                held.published = replace(held.published, stale=True)
                republished.append(held.published)
            return republished

    def _publish_if_changed(self, presence: _Presence, current: Proximity) -> Proximity | None:
        # Caller holds the lock.
        if not should_publish(presence.published, current, self.settings):
            return None
        presence.published = current
        return current


def _visit_start(current: Proximity, since: datetime | None) -> datetime | None:
    """When the current visit to the target began: kept while AT_AIRPORT, reset otherwise."""
    if current.band != ProximityBand.AT_AIRPORT:
        return None
    return since or current.ping_time

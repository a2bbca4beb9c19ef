"""The notifications the notifier knows: one per offer version per passenger, never two.

Plain data, not thread-safe (the engine holds a lock around it).  Dedupe: for each
(offer id, passenger) the highest version seen is remembered for good, so a replayed or an
older version makes no notification, even after its notification was purged by retention.
Entries are kept in arrival order, which is the per-passenger order of the offers topic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rebook.domain.errors import NotFoundError
from rebook.notifier.core.auth import Scope
from rebook.notifier.core.channels import Route


def notification_id(offer_id: str, version: int, passenger_id: str) -> str:
    return f"{offer_id}:{version}:{passenger_id}"


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What the store needs to know of an offer version."""

    offer_id: str
    version: int
    carrier: str
    passenger_ids: tuple[str, ...]
    known_time: datetime | None


@dataclass(slots=True)
class Entry:
    """One notification and its delivery state; ``payload`` is the offer, opaque here."""

    notification_id: str
    passenger_id: str
    offer_id: str
    version: int
    carrier: str
    create_time: datetime
    known_time: datetime | None
    payload: Any
    route: str = Route.STREAM
    deliver_time: datetime | None = None
    acknowledge_time: datetime | None = None
    dead: bool = False

    @property
    def pending(self) -> bool:
        """Still to be pushed: neither delivered nor given up on."""
        return self.deliver_time is None and not self.dead


class NotificationStore:
    """Notifications by id, with the dedupe memory and retention."""

    def __init__(self, retention: timedelta) -> None:
        self._retention = retention
        self._entries: dict[str, Entry] = {}
        self._versions: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, facts: OfferFacts, payload: Any, now: datetime) -> list[Entry]:
        """New notifications for the passengers who have not seen this or a newer version."""
        created: list[Entry] = []
        for passenger_id in dict.fromkeys(facts.passenger_ids):
            if not self._remember(facts.offer_id, passenger_id, facts.version):
                continue
            entry = Entry(
                notification_id(facts.offer_id, facts.version, passenger_id),
                passenger_id,
                facts.offer_id,
                facts.version,
                facts.carrier,
                now,
                facts.known_time,
                payload,
            )
            self._entries[entry.notification_id] = entry
            created.append(entry)
        return created

    def _remember(self, offer_id: str, passenger_id: str, version: int) -> bool:
        key = (offer_id, passenger_id)
        if version <= self._versions.get(key, 0):
            return False
        self._versions[key] = version
        return True

    def restore(self, entry: Entry) -> None:
        """Puts back an entry read from the durable state (latest state per id wins)."""
        key = (entry.offer_id, entry.passenger_id)
        self._versions[key] = max(self._versions.get(key, 0), entry.version)
        self._entries[entry.notification_id] = entry

    def get(self, notification_id: str) -> Entry:
        entry = self._entries.get(notification_id)
        if entry is None:
            raise NotFoundError("no such notification", field="notification_id")
        return entry

    def entries(self, scope: Scope) -> list[Entry]:
        """All kept notifications in scope, oldest first."""
        return [entry for entry in self._entries.values() if scope.matches(entry.passenger_id, entry.carrier)]

    def pending(self, scope: Scope, route: str) -> list[Entry]:
        """Notifications in scope still to be pushed on ``route``, oldest first."""
        return [entry for entry in self.entries(scope) if entry.pending and entry.route == route]

    def mark_delivered(self, notification_id: str, now: datetime) -> bool:
        """True the first time only (so latency is measured once)."""
        entry = self._entries.get(notification_id)
        if entry is None or entry.deliver_time is not None:
            return False
        entry.deliver_time = now
        return True

    def mark_dead(self, notification_id: str) -> None:
        entry = self._entries.get(notification_id)
        if entry is not None:
            entry.dead = True

    def acknowledge(self, notification_id: str, now: datetime) -> Entry:
        """Seen by the passenger: delivered too, so it is never pushed again."""
        entry = self.get(notification_id)
        entry.deliver_time = entry.deliver_time or now
        entry.acknowledge_time = entry.acknowledge_time or now
        return entry

    def purge(self, now: datetime) -> list[Entry]:
        """Drops notifications older than the retention; returns those never delivered."""
        cutoff = now - self._retention
        old = [entry for entry in self._entries.values() if entry.create_time < cutoff]
        for entry in old:
            del self._entries[entry.notification_id]
        return [entry for entry in old if entry.pending]

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))

"""The notifier's moving parts around the pure store: routing, live subscriptions, push
hand-off, durable state and metrics.  Thread-safe: the consumer thread, gRPC threads and
the push channels' workers all come through here.

A notification goes out on one route, chosen when it is made: the push channel the passenger
registered (a ``channel.Channel``: the webhook, or any other attached), else the Subscribe
streams (the passenger's own, or their airline's app backend).  On a stream it is *claimed*
before the write and marked delivered after it, so two open streams never both show it; a
write that fails leaves it pending for the next subscription.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from rebook.domain.access import Principal
from rebook.domain.errors import PermissionDeniedError, ResourceExhaustedError
from rebook.notifier.channel import Channel
from rebook.notifier.convert import offer_facts
from rebook.notifier.core.auth import Scope, principal_scope
from rebook.notifier.core.channels import ChannelRecord, Route, validate_registration
from rebook.notifier.core.store import Entry, NotificationStore
from rebook.notifier.metrics import NotifierMetrics
from rebook.v1 import offer_pb2

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(minutes=1)


class StateSink(Protocol):
    """Where state changes go so that a restart finds them (a compacted topic in production)."""

    def notification(self, entry: Entry) -> None: ...
    def channel(self, record: ChannelRecord) -> None: ...
    def dead(self, entry: Entry, reason: str) -> None: ...


class Subscription:
    """One open Subscribe stream: a scope and a queue of entries to write."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._queue: queue.SimpleQueue[Entry | None] = queue.SimpleQueue()
        self.closed = threading.Event()

    def put(self, entry: Entry) -> None:
        self._queue.put(entry)

    def close(self) -> None:
        self.closed.set()
        self._queue.put(None)

    def next(self, timeout_s: float) -> Entry | None:
        """The next entry, or ``None`` after ``timeout_s`` or once closed."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None


class NotificationEngine:
    def __init__(
        self,
        store: NotificationStore,
        sink: StateSink,
        metrics: NotifierMetrics,
        clock: Callable[[], datetime],
        max_streams: int = 1000,
        max_streams_per_passenger: int = 5,
    ) -> None:
        # Each open stream holds a server thread: caps keep threads for unary calls and health.
        self.max_streams = max_streams
        self.max_streams_per_passenger = max_streams_per_passenger
        self._store = store
        self._sink = sink
        self._metrics = metrics
        self._clock = clock
        self._lock = threading.RLock()
        self._channels: dict[str, ChannelRecord] = {}
        self._subscriptions: set[Subscription] = set()
        self._claimed: set[str] = set()
        self._push: dict[str, Channel] = {}
        self._last_purge = clock()

    def attach(self, channel: Channel) -> None:
        """Adds a push channel (built after the engine: it reports its outcomes here)."""
        self._push[channel.route] = channel

    @property
    def push_routes(self) -> tuple[str, ...]:
        return tuple(self._push)

    # -- start-up -----------------------------------------------------------------------------

    def restore(self, entries: Iterable[Entry], channels: Iterable[ChannelRecord], dead: set[str]) -> None:
        """Rebuilds from durable state, then re-queues webhooks that were not delivered."""
        with self._lock:
            self._channels.update({record.passenger_id: record for record in channels})
            for entry in entries:
                entry.route = self._route(entry.passenger_id)
                entry.dead = entry.notification_id in dead
                self._store.restore(entry)
            self._purge(self._clock())
            for route in self._push:
                for entry in self._store.pending(Scope(), route):
                    self._send(entry)
        log.info("notifier state restored", extra={"notifications": len(self._store), "channels": len(self._channels)})

    # -- offers in --------------------------------------------------------------------------

    def on_offer(self, offer: offer_pb2.Offer) -> int:
        """Makes and routes the notifications of one offer version; returns how many are new."""
        facts = offer_facts(offer)
        now = self._clock()
        with self._lock:
            created = self._store.add(facts, offer, now)
            for entry in created:
                entry.route = self._route(entry.passenger_id)
                self._sink.notification(entry)
                self._route_out(entry)
            self._metrics.created.inc(len(created))
            self._metrics.duplicates.inc(len(set(facts.passenger_ids)) - len(created))
            self._purge_if_due(now)
        return len(created)

    def _route(self, passenger_id: str) -> str:
        channel = self._channels.get(passenger_id)
        return channel.route if channel else Route.STREAM

    def _route_out(self, entry: Entry) -> None:
        if entry.route != Route.STREAM:
            self._send(entry)
            return
        for subscription in self._subscriptions:
            if subscription.scope.matches(entry.passenger_id, entry.carrier):
                subscription.put(entry)

    def _send(self, entry: Entry) -> None:
        channel = self._push.get(entry.route)
        if channel is None:
            raise RuntimeError(f"no {entry.route} channel attached")
        channel.send(entry, self._channels[entry.passenger_id].webhook_url)

    def _purge_if_due(self, now: datetime) -> None:
        if now - self._last_purge >= PURGE_EVERY:
            self._purge(now)

    def _purge(self, now: datetime) -> None:
        self._last_purge = now
        for entry in self._store.purge(now):
            self._metrics.sent.labels(entry.route, "expired").inc()

    # -- streams ----------------------------------------------------------------------------

    def subscribe(self, scope: Scope) -> Subscription:
        """Opens a subscription primed with the undelivered notifications in its scope."""
        subscription = Subscription(scope)
        with self._lock:
            self._check_stream_caps(scope)
            self._purge_if_due(self._clock())
            for entry in self._store.pending(scope, Route.STREAM):
                subscription.put(entry)
            self._subscriptions.add(subscription)
        self._metrics.subscribers.labels(scope.kind).inc()
        return subscription

    def _check_stream_caps(self, scope: Scope) -> None:
        if len(self._subscriptions) >= self.max_streams:
            raise ResourceExhaustedError(
                f"the notifier has {self.max_streams} open streams, its limit; retry later", reason="STREAMS_LIMIT"
            )
        if scope.passenger_id:
            open_here = sum(1 for s in self._subscriptions if s.scope.passenger_id == scope.passenger_id)
            if open_here >= self.max_streams_per_passenger:
                raise ResourceExhaustedError(
                    f"this passenger has {open_here} open streams, the limit; close one first",
                    reason="PASSENGER_STREAMS_LIMIT",
                )

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription not in self._subscriptions:
                return
            self._subscriptions.discard(subscription)
        subscription.close()
        self._metrics.subscribers.labels(subscription.scope.kind).dec()

    def claim(self, entry: Entry) -> bool:
        """True if the caller may write ``entry`` now (pending, and nobody else is writing it)."""
        with self._lock:
            if not entry.pending or entry.notification_id in self._claimed:
                return False
            self._claimed.add(entry.notification_id)
            return True

    def release(self, entry: Entry, written: bool) -> None:
        """Ends a claim: delivered if ``written``, else pending again."""
        with self._lock:
            self._claimed.discard(entry.notification_id)
            if written:
                self._delivered(entry, Route.STREAM)

    def close_channels(self) -> None:
        for channel in self._push.values():
            channel.close()

    def close_subscriptions(self) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.close()

    # -- push outcomes (``channel.Outcomes``, called on the channels' workers) -------------------

    def delivered(self, entry: Entry, route: str) -> None:
        with self._lock:
            self._delivered(entry, route)

    def retrying(self, entry: Entry, route: str) -> None:
        self._metrics.sent.labels(route, "failed").inc()
        self._metrics.retries.labels(route).inc()

    def failed(self, entry: Entry, route: str, reason: str, attempts: int) -> None:
        self._metrics.sent.labels(route, "failed").inc()
        self._metrics.dead_letters.inc()
        with self._lock:
            self._store.mark_dead(entry.notification_id)
            self._sink.dead(entry, f"{reason} after {attempts} attempts")
        log.warning(
            f"{route} delivery given up",
            # No offer id: it starts with the record locator.
            extra={"version": entry.version, "error": reason, "attempts": attempts},
        )

    def _delivered(self, entry: Entry, route: str) -> None:
        now = self._clock()
        if not self._store.mark_delivered(entry.notification_id, now):
            return
        self._sink.notification(entry)
        self._metrics.sent.labels(route, "delivered").inc()
        if entry.known_time is not None:
            self._metrics.latency.labels(route).observe(max(0.0, (now - entry.known_time).total_seconds()))

    # -- unary API --------------------------------------------------------------------------

    def register_channel(self, passenger_id: str, route: str | None, webhook_url: str) -> ChannelRecord:
        """Registers (or confirms) the passenger's channel; new notifications take it."""
        checks = {name: channel.problem for name, channel in self._push.items()}
        route = validate_registration(route, webhook_url, checks)
        with self._lock:
            current = self._channels.get(passenger_id)
            if current and (current.route, current.webhook_url) == (route, webhook_url):
                return current
            record = ChannelRecord(uuid.uuid4().hex, passenger_id, route, webhook_url)
            self._channels[passenger_id] = record
            self._sink.channel(record)
        return record

    def acknowledge(self, principal: Principal, notification_id: str) -> Entry:
        with self._lock:
            entry = self._store.get(notification_id)
            if not principal_scope(principal).matches(entry.passenger_id, entry.carrier):
                raise PermissionDeniedError("the notification is for another passenger or airline")
            if entry.acknowledge_time is None:
                self._store.acknowledge(notification_id, self._clock())
                self._sink.notification(entry)
            return entry

    def list(self, scope: Scope) -> list[Entry]:
        with self._lock:
            return self._store.entries(scope)

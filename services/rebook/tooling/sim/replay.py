"""``rebook replay SCENARIO_DIR``: stream a scenario through the services' public gRPC APIs.

Exactly what airline systems and app backends would do, in this order:

1. devices subscribe to the notifier (``NotificationService.Subscribe`` with a passenger token
   minted from ``REBOOK_AUTH_SECRET``) for passengers who opted in to contact, and optionally
   one app-backend stream for the whole airline (``--app-backend TOKEN``, a client token with
   ``notifications:subscribe``).  Every other call carries the tools' client token
   (``REBOOK_CLIENT_TOKEN``, or one minted from ``REBOOK_AUTH_SECRET``; see ``runtime.auth``);
2. the schedule (``LoadSchedule``) and the bookings (``UpsertBookings``), in chunks;
3. flight events (``ReportFlightEvents``) and location pings (``ReportPings`` client stream)
   merged in event-time order, at ``--speed`` times real time (``0``/``max``: at once);
4. a linger for the last notifications, then a JSON report: counts, notifications, and the
   ``disruption_known_time → received`` latency quantiles.

**Time.** The services run on the wall clock (disruption ``known_time``, what can still be
booked, ping freshness), so by default (``--shift auto``) every instant of the scenario is
moved by one constant: at a finite speed the replay's start maps to now; at ``max`` the last
event or ping maps to now (everything has just happened, later flights are still ahead).
Operating dates move by the same number of whole days and leg ids follow.  ``--shift none``
sends the file's times unchanged.  A ping is never sent with a time in the future: at speeds
above 1 its time is capped at the moment it is sent.

Every call has a deadline and is retried with backoff on UNAVAILABLE (a service still
starting or rebuilding its state answers that); all writes are idempotent, so a retry
changes nothing.  Use ``Replayer`` from code (the demo) for live progress via callbacks.

**Bad input.** A line that is not a message is skipped (``Scenario.read``) and reported with
its ``file:line``; the services refuse bad items one by one (``LoadSchedule``/``UpsertBookings``
``rejected``, ``ReportFlightEvents`` results) and the report counts them with the first reasons.
A second replay of the same folder changes nothing — every event id and booking version is
known — and the report says so (``changed_nothing``); ``--rename LETTER`` replays it as new.

**Threads.** The device streams share one asyncio loop (grpc.aio) on one thread, however many
devices there are.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import copy
import json
import math
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message

from rebook.domain.batch import SHOWN_REJECTIONS
from rebook.domain.convert import timestamp_field, to_timestamp
from rebook.runtime.auth import Keyring, load_keyring, tool_token
from rebook.runtime.config import ConfigError
from rebook.runtime.grpc_client import open_aio_channel, open_channel
from rebook.tooling.args import devices, non_negative_float, positive_float, speed
from rebook.tooling.stats import quantile
from rebook.v1 import (
    event_pb2,
    flight_status_service_pb2,
    flight_status_service_pb2_grpc,
    location_pb2,
    notification_service_pb2,
    notification_service_pb2_grpc,
    passenger_location_service_pb2,
    passenger_location_service_pb2_grpc,
    rebooking_service_pb2,
    rebooking_service_pb2_grpc,
)

from .scenario import Scenario
from .scenario_map import rename_scenario, shift_scenario

DEFAULT_ADDRESSES = {
    "detector": "127.0.0.1:50051",
    "locator": "127.0.0.1:50052",
    "optimizer": "127.0.0.1:50053",
    "notifier": "127.0.0.1:50054",
}
_CHANNEL_OPTIONS = (("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20))


# ---- configuration, progress, results -------------------------------------------------


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


# ---- notification streams ---------------------------------------------------------------


class _Streams:
    """Every ``Subscribe`` stream of a replay on one asyncio loop in one thread (grpc.aio): the
    replay's threads stay the same whatever the number of devices (one thread per device once
    made 3,000 client threads for 3,276 devices).  Each stream reconnects with backoff on
    UNAVAILABLE or DEADLINE_EXCEEDED, as a device would."""

    def __init__(
        self,
        address: str,
        on_notification: Callable[[notification_service_pb2.Notification, str], None],
        on_subscribed: Callable[[], None],
        on_error: Callable[[str], None],
    ) -> None:
        self._on_notification, self._on_subscribed, self._on_error = on_notification, on_subscribed, on_error
        self._closing = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="subscribe-streams", daemon=True)
        self._thread.start()
        self._channel = self._run(self._open(address)).result(timeout=10)
        self._stub = notification_service_pb2_grpc.NotificationServiceStub(self._channel)
        self.following = 0

    async def _open(self, address: str) -> grpc.aio.Channel:
        return open_aio_channel(address, options=_CHANNEL_OPTIONS)  # bound to this loop

    def _run(self, coroutine: Any) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def follow(self, passenger_id: str, credential: str, channel_kind: str) -> None:
        self.following += 1
        metadata = (("authorization", f"Bearer {credential}"),)
        request = notification_service_pb2.SubscribeRequest(passenger_id=passenger_id)
        self._run(self._read(request, metadata, channel_kind))

    async def _read(self, request: Any, metadata: Any, channel_kind: str) -> None:
        delay, subscribed = 0.2, False
        while not self._closing:
            try:
                call = self._stub.Subscribe(request, metadata=metadata, timeout=24 * 3600.0)
                if not subscribed:
                    subscribed = True
                    self._on_subscribed()
                async for reply in call:
                    self._on_notification(reply.notification, channel_kind)
                    delay = 0.2
            except grpc.aio.AioRpcError as error:
                if self._closing or error.code() == grpc.StatusCode.CANCELLED:
                    return
                if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    self._on_error(f"Subscribe ({channel_kind}): {error.code().name}: {error.details()}")
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def close(self) -> None:
        """Cancels every stream, closes the channel and ends the loop's thread."""
        self._closing = True

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._channel.close()

        try:
            self._run(shutdown()).result(timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=2)


# ---- the replayer ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    at: datetime
    kind: str  # "event" or "ping"
    message: Message


class ReplayStopped(Exception):
    """``Replayer.stop()`` was called."""


class Replayer:
    """Streams one scenario through the gRPC APIs; see the module doc.

    ``on_progress(progress)`` gets a snapshot after every call that changed a counter;
    ``on_notification(record)`` gets each notification as it arrives (on a stream thread).
    ``run()`` blocks and returns the report; ``stop()`` (any thread) ends it early.
    """

    def __init__(
        self,
        scenario: Scenario,
        config: ReplayConfig | None = None,
        *,
        on_progress: Callable[[ReplayProgress], None] | None = None,
        on_notification: Callable[[NotificationRecord], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        skipped: Sequence[str] = (),
    ) -> None:
        self.original = scenario
        self.skipped = list(skipped)  # lines of the folder that could not be read, not sent
        self.config = config or ReplayConfig()
        self.on_progress = on_progress
        self.on_notification = on_notification
        self.clock = clock
        self.shift = timedelta(0)
        self.scenario = scenario
        self._progress = ReplayProgress()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._notifications: list[NotificationRecord] = []
        self._seen: set[tuple[str, str]] = set()
        self._seen_ids: set[str] = set()
        self._last_notification = time.monotonic()
        self._streams: _Streams | None = None
        self._channels: dict[str, grpc.Channel] = {}
        self._client_token = ""
        self._started_wall: float = 0.0
        self._down: set[str] = set()

    # -- reads for the demo --

    @property
    def progress(self) -> ReplayProgress:
        with self._lock:
            return self._snapshot()

    @property
    def notifications(self) -> list[NotificationRecord]:
        with self._lock:
            return list(self._notifications)

    def notifications_by_passenger(self) -> dict[str, list[NotificationRecord]]:
        out: dict[str, list[NotificationRecord]] = {}
        for record in self.notifications:
            out.setdefault(record.passenger_id, []).append(record)
        return out

    def stop(self) -> None:
        self._stop.set()

    # -- the run --

    def run(self) -> dict[str, Any]:
        self._started_wall = time.monotonic()
        timeline = self._prepare()
        try:
            self._connect()
            self._subscribe()
            self._load_schedule()
            self._load_bookings()
            self._stream(timeline)
            self._linger()
        except ReplayStopped:
            self._error("stopped before the end")
        finally:
            self._close()
            self._update(phase="done")
        return self.report()

    def _prepare(self) -> list[_Item]:
        """Chooses the time shift and builds the merged, time-ordered timeline."""
        items = self._timeline(self.original)
        times = [item.at for item in items]
        shift = self.config.shift
        if shift == "none" or not times:
            delta = timedelta(0)
        elif isinstance(shift, timedelta):
            delta = shift
        else:
            anchor = times[-1] if self.config.max_speed else (self.config.start or times[0])
            delta = self.clock() - anchor
            delta = timedelta(minutes=round(delta / timedelta(minutes=1)))
        self.shift = delta
        self.scenario = shift_scenario(self.original, delta)
        items = self._timeline(self.scenario)
        self._update(
            legs_total=len(self.scenario.flights),
            bookings_total=len(self.scenario.bookings),
            events_total=len(self.scenario.events),
            pings_total=len(self.scenario.pings),
        )
        return items

    @staticmethod
    def _timeline(scenario: Scenario) -> list[_Item]:
        epoch = datetime.fromtimestamp(0, UTC)
        items = [_Item(timestamp_field(e, "event_time") or epoch, "event", e) for e in scenario.events]
        items += [_Item(timestamp_field(p, "ping_time") or epoch, "ping", p) for p in scenario.pings]
        items.sort(key=lambda item: item.at)  # stable: file order within one instant, events first
        return items

    # -- plumbing --

    def _channel(self, name: str) -> grpc.Channel | None:
        address = getattr(self.config, name)
        if not address:
            return None
        if name not in self._channels:
            if not self._client_token:
                self._client_token = self.config.client_token or tool_token()
            self._channels[name] = open_channel(address, self._client_token, options=_CHANNEL_OPTIONS)
        return self._channels[name]

    def _update(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self._progress, name, value)
            snapshot = self._snapshot()
        if self.on_progress:
            self.on_progress(snapshot)

    def _add(self, **increments: int) -> None:
        with self._lock:
            for name, value in increments.items():
                setattr(self._progress, name, getattr(self._progress, name) + value)
            snapshot = self._snapshot()
        if self.on_progress:
            self.on_progress(snapshot)

    def _snapshot(self) -> ReplayProgress:
        progress = self._progress
        return replace(progress, errors=list(progress.errors), rejections=list(progress.rejections))

    def _error(self, text: str) -> None:
        with self._lock:
            if len(self._progress.errors) < 100:
                self._progress.errors.append(text)

    def _reject(self, text: str) -> None:
        """Notes why the services refused an item (kept apart from transport errors)."""
        with self._lock:
            if len(self._progress.rejections) < 100:
                self._progress.rejections.append(text)

    def _device_refused(self, text: str) -> None:
        with self._lock:
            self._progress.devices_refused += 1
            first = self._progress.devices_refused <= 3  # thousands of devices: the first say it all
        if first:
            self._error(text)

    def _call(
        self, service: str, what: str, method: Callable[..., Any], make_request: Callable[[], Any], **kwargs: Any
    ) -> Any:
        """One unary or client-streaming call with a deadline; retried with backoff on UNAVAILABLE.

        Returns ``None`` (and records the error) when it finally fails; a service still
        UNAVAILABLE after every retry is given up on (its later calls fail at once).
        """
        if service in self._down:
            return None
        delay = 0.2
        for attempt in range(self.config.retries + 1):
            if self._stop.is_set():
                raise ReplayStopped
            try:
                return method(make_request(), timeout=self.config.rpc_timeout_s, **kwargs)
            except grpc.RpcError as error:
                code = error.code()
                if code == grpc.StatusCode.UNAVAILABLE and attempt < self.config.retries:
                    self._stop.wait(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                self._error(f"{what}: {code.name if code else 'UNKNOWN'}: {error.details()}")
                if code == grpc.StatusCode.UNAVAILABLE:
                    self._down.add(service)
                    self._error(f"{service}: given up after {self.config.retries} retries")
                return None
        return None

    def _connect(self) -> None:
        """Waits (in parallel) for every configured service to accept connections; one that
        does not within ``connect_timeout_s`` is given up on, so the rest can still be replayed."""
        self._update(phase="connect")
        waiting = {}
        for name in DEFAULT_ADDRESSES:
            channel = self._channel(name)
            if channel is not None:
                waiting[name] = grpc.channel_ready_future(channel)
        deadline = time.monotonic() + self.config.connect_timeout_s
        for name, ready in waiting.items():
            try:
                ready.result(timeout=max(0.0, deadline - time.monotonic()))
            except grpc.FutureTimeoutError:
                ready.cancel()
                self._down.add(name)
                self._error(f"{name}: not reachable at {getattr(self.config, name)}; skipped")

    # -- 1. devices --

    def _subscribe(self) -> None:
        channel = self._channel("notifier")
        if channel is None or "notifier" in self._down:
            return
        self._update(phase="subscribe")
        ttl = timedelta(days=2) + abs(self.shift)
        keyring = self.config.keyring or load_keyring()
        streams = self._streams = _Streams(
            self.config.notifier or "", self._received, lambda: self._add(devices_subscribed=1), self._device_refused
        )
        for passenger_id in self.device_passengers():
            streams.follow(passenger_id, keyring.passenger_token(passenger_id, ttl), "device")
        if self.config.app_backend:
            streams.follow("", self.config.app_backend, "backend")
        self._stop.wait(0.3)  # let the streams reach the server before anything can notify

    def device_passengers(self) -> list[str]:
        """Opted-in passengers to subscribe: those on legs with events first, then the rest
        (by record locator); at most ``config.devices`` (-1: all)."""
        limit = self.config.devices
        if limit == 0:
            return []
        touched = {event.leg_id for event in self.scenario.events if event.WhichOneof("change") != "actuals"}
        first: list[str] = []
        rest: list[str] = []
        for booking in sorted(self.scenario.bookings, key=lambda b: b.record_locator):
            hit = any(segment.leg_id in touched for segment in booking.segments)
            for passenger in booking.passengers:
                if passenger.contact_opt_in:
                    (first if hit else rest).append(passenger.passenger_id)
        chosen = first + rest
        return chosen if limit < 0 else chosen[:limit]

    def _received(self, notification: notification_service_pb2.Notification, channel_kind: str) -> None:
        offer = notification.offer
        record = NotificationRecord(
            channel=channel_kind,
            passenger_id=notification.passenger_id,
            notification_id=notification.notification_id,
            offer_id=offer.offer_id,
            offer_version=offer.version,
            offer_status=_enum_name(offer, "status"),
            record_locator=offer.record_locator,
            disruption_id=offer.disruption_id,
            predicted=offer.predicted,
            disruption_known_time=timestamp_field(offer, "disruption_known_time"),
            received_time=self.clock(),
        )
        with self._lock:
            key = (channel_kind, record.notification_id)
            if key in self._seen:
                return
            self._seen.add(key)
            first = record.notification_id not in self._seen_ids  # a device and the backend may both get it
            self._seen_ids.add(record.notification_id)
            self._notifications.append(record)
            self._last_notification = time.monotonic()
        if first:
            self._add(notifications_received=1)
        if self.on_notification:
            self.on_notification(record)

    # -- 2. schedule and bookings --

    def _load_schedule(self) -> None:
        self._load_in_chunks(
            "schedule", "detector", "LoadSchedule", flight_status_service_pb2_grpc.FlightStatusServiceStub,
            self.scenario.flights, self.config.schedule_chunk,
            lambda chunk: flight_status_service_pb2.LoadScheduleRequest(legs=chunk), "legs",
        )  # fmt: skip

    def _load_bookings(self) -> None:
        self._load_in_chunks(
            "bookings", "optimizer", "UpsertBookings", rebooking_service_pb2_grpc.RebookingServiceStub,
            self.scenario.bookings, self.config.booking_chunk,
            lambda chunk: rebooking_service_pb2.UpsertBookingsRequest(bookings=chunk), "bookings",
        )  # fmt: skip

    def _load_in_chunks(self, phase, service, method, stub_type, items, size, request, counter) -> None:
        """Sends ``items`` in chunks of ``size``; counts ``<counter>_loaded`` / ``_rejected``."""
        channel = self._channel(service)
        if channel is None:
            return
        self._update(phase=phase)
        rpc = getattr(stub_type(channel), method)
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            reply = self._call(service, method, rpc, lambda chunk=chunk: request(chunk))
            if reply is None:
                self._add(**{f"{counter}_rejected": len(chunk)})
                continue
            for item in reply.rejected[:5]:  # each refused item alone; the rest of the chunk loaded
                self._reject(f"{method} {counter}[{start + item.index}] {item.id}: {item.code}: {item.message}")
            refused = reply.rejected_count
            counts = {f"{counter}_loaded": len(chunk) - refused, f"{counter}_rejected": refused}
            if counter == "bookings":
                counts["bookings_unchanged"] = reply.unchanged_count
            self._add(**counts)

    # -- 3. events and pings --

    def _stream(self, timeline: list[_Item]) -> None:
        self._update(phase="stream")
        detector, locator = self._channel("detector"), self._channel("locator")
        events = flight_status_service_pb2_grpc.FlightStatusServiceStub(detector) if detector else None
        pings = passenger_location_service_pb2_grpc.PassengerLocationServiceStub(locator) if locator else None
        if not timeline:
            return
        config = self.config
        origin = config.start + self.shift if config.start else timeline[0].at
        wall0 = time.monotonic()

        def due(item: _Item) -> float:
            if config.max_speed or item.at <= origin:
                return 0.0
            return wall0 + (item.at - origin).total_seconds() / config.speed

        i = 0
        while i < len(timeline):
            head = timeline[i]
            wait = due(head) - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                raise ReplayStopped
            limit = config.event_batch if head.kind == "event" else config.ping_batch
            j = i
            now = time.monotonic()
            while j < len(timeline) and j - i < limit and timeline[j].kind == head.kind and due(timeline[j]) <= now:
                j += 1
            batch = [item.message for item in timeline[i:j]]
            if head.kind == "event":
                self._send_events(events, batch)
            else:
                self._send_pings(pings, batch)
            self._update(scenario_time=timeline[j - 1].at)
            i = j

    def _send_events(self, stub: Any, batch: list[event_pb2.FlightEvent]) -> None:
        if stub is None:
            return
        reply = self._call(
            "detector",
            "ReportFlightEvents",
            stub.ReportFlightEvents,
            lambda: flight_status_service_pb2.ReportFlightEventsRequest(events=batch),
        )
        if reply is None:
            self._add(events_sent=len(batch), events_rejected=len(batch))
            return
        rejected = [r for r in reply.results if r.error_code]
        for result in rejected[:5]:
            self._reject(f"ReportFlightEvents event {result.event_id}: {result.error_code}: {result.error_message}")
        applied = sum(1 for r in reply.results if r.applied)
        seen = len(reply.results) - applied - len(rejected)
        self._add(
            events_sent=len(batch), events_applied=applied, events_rejected=len(rejected), events_seen_before=seen
        )

    def _send_pings(self, stub: Any, batch: list[location_pb2.LocationPing]) -> None:
        if stub is None:
            return
        cap = self.clock()
        capped = []
        for ping in batch:  # a device never reports a position from the future
            if timestamp_field(ping, "ping_time") and timestamp_field(ping, "ping_time") > cap:
                ping = copy.deepcopy(ping)
                ping.ping_time.CopyFrom(to_timestamp(cap))
            capped.append(ping)

        def requests() -> Iterator[passenger_location_service_pb2.ReportPingsRequest]:
            for start in range(0, len(capped), 100):
                yield passenger_location_service_pb2.ReportPingsRequest(pings=capped[start : start + 100])

        reply = self._call("locator", "ReportPings", stub.ReportPings, requests)
        if reply is None:
            self._add(pings_sent=len(batch), pings_rejected=len(batch))
            return
        for rejected in list(reply.rejected)[:3]:
            self._reject(f"ReportPings ping {rejected.index}: {rejected.code}: {rejected.message}")
        self._add(pings_sent=len(batch), pings_rejected=len(reply.rejected))

    # -- 4. the end --

    def _linger(self) -> None:
        if self._channel("notifier") is None or self._streams is None or not self._streams.following:
            return
        self._update(phase="linger")
        with self._lock:
            self._last_notification = max(self._last_notification, time.monotonic())
        hard_stop = time.monotonic() + self.config.max_linger_s
        while time.monotonic() < hard_stop:
            with self._lock:
                idle_until = self._last_notification + self.config.linger_s
            if time.monotonic() >= idle_until:
                return
            if self._stop.wait(min(0.2, max(0.0, idle_until - time.monotonic()))):
                raise ReplayStopped

    def _close(self) -> None:
        if self._streams is not None:
            self._streams.close()
            self._streams = None
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    @staticmethod
    def changed_nothing(progress: ReplayProgress) -> bool:
        """True when the services already had everything: every event sent was known by its id
        and every booking by its version — the scenario was replayed before (``--rename``)."""
        if progress.events_sent:
            return progress.events_applied == 0 and progress.events_seen_before == progress.events_sent
        loaded = progress.bookings_loaded
        return loaded > 0 and progress.bookings_unchanged == loaded

    def report(self) -> dict[str, Any]:
        progress = self.progress
        records = self.notifications
        latencies = [r.latency_s for r in records if r.latency_s is not None]
        device = [r for r in records if r.channel == "device"]
        return {
            "speed": "max" if self.config.max_speed else self.config.speed,
            "shift_s": self.shift.total_seconds(),
            "wall_s": round(time.monotonic() - self._started_wall, 3) if self._started_wall else 0.0,
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
            "skipped": {"count": len(self.skipped), "first": self.skipped[:SHOWN_REJECTIONS]},
            "changed_nothing": self.changed_nothing(progress),
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


def _enum_name(message: Message, name: str) -> str:
    descriptor = message.DESCRIPTOR.fields_by_name[name].enum_type
    value = getattr(message, name)
    return descriptor.values_by_number[value].name if value in descriptor.values_by_number else str(value)


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items()))


# ---- the command ----------------------------------------------------------------------


def _shift(text: str) -> str | timedelta:
    if text in ("auto", "none"):
        return text
    try:
        return timedelta(hours=float(text))
    except ValueError:
        raise argparse.ArgumentTypeError("shift must be auto, none or hours (e.g. -24.5)") from None


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC instant, e.g. 2026-11-23T18:00:00Z")
    return value.astimezone(UTC)


def _address(text: str) -> str | None:
    return None if text.lower() in ("", "none", "off") else text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario folder (flights/bookings/events/pings .jsonl)")
    parser.add_argument("--speed", type=speed, default=0.0, help="times real time; 0 or max: as fast as possible")
    for name, address in DEFAULT_ADDRESSES.items():
        parser.add_argument(f"--{name}", type=_address, default=address, help=f"{name} address, or none to skip")
    parser.add_argument("--shift", type=_shift, default="auto", help="auto (default), none, or hours to add")
    parser.add_argument("--start", type=_instant, default=None, help="scenario instant where pacing starts")
    parser.add_argument(
        "--devices", type=devices, default=200, help="passenger devices to subscribe (-1: all opted in)"
    )
    parser.add_argument("--app-backend", default="", help="an app backend's client token: also follow the airline")
    parser.add_argument(
        "--linger", type=non_negative_float, default=10.0, help="seconds without a notification before ending"
    )
    parser.add_argument(
        "--max-linger", type=non_negative_float, default=120.0, help="longest wait for notifications, seconds"
    )
    parser.add_argument("--rpc-timeout", type=positive_float, default=10.0, help="deadline of each call, seconds")
    parser.add_argument(
        "--connect-timeout", type=positive_float, default=30.0, help="wait for services to be reachable"
    )
    parser.add_argument("--notifications-out", type=Path, default=None, help="write each notification (JSON Lines)")
    parser.add_argument(
        "--rename", metavar="LETTER", default=None,
        help="replay the folder as new data: add LETTER (A-Z) to every flight number, record locator and "
        "event id (a second replay of the same folder otherwise changes nothing)",
    )  # fmt: skip


def _read(folder: Path, rename: str | None) -> tuple[Scenario, list[str]]:
    """The readable part of the folder (and the unreadable lines), renamed if asked; ``ValueError``
    with one line to print when nothing can be replayed."""
    scenario, skipped = Scenario.read(folder)
    if not scenario.flights:
        first = f"; first unreadable line: {skipped[0]}" if skipped else ""
        raise ValueError(f"{folder}: no readable leg in flights.jsonl{first}")
    return (rename_scenario(scenario, rename) if rename else scenario), skipped


def outcome_lines(report: dict[str, Any]) -> list[str]:
    """What a person must know about a replay's input, one line each: lines skipped, items the
    services refused (count and the first reasons), or that it changed nothing."""
    lines = []
    skipped = report["skipped"]
    if skipped["count"]:
        lines.append(f"skipped {skipped['count']} unreadable line(s), not sent:")
        lines += [f"  {line}" for line in skipped["first"]]
    refused = {kind: report[kind]["rejected"] for kind in ("legs", "bookings", "events", "pings")}
    if any(refused.values()):
        counts = ", ".join(f"{n} {kind}" for kind, n in refused.items() if n)
        lines.append(f"the services refused {counts} (the rest was applied); first reasons:")
        lines += [f"  {reason}" for reason in report["rejections"][:SHOWN_REJECTIONS]]
    if report["devices_refused"]:
        first = next((e for e in report["errors"] if e.startswith("Subscribe")), "")
        lines.append(f"the notifier refused {report['devices_refused']} device stream(s), first: {first}")
    if report["changed_nothing"]:
        lines.append(
            "changed nothing: the services already knew every event and booking (this scenario was "
            "replayed before); replay it as new data with --rename A (or B, C, ...)"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        scenario, skipped = _read(args.scenario, args.rename)
    except (FileNotFoundError, ValueError) as exc:
        print(f"rebook replay: {exc}", file=sys.stderr)
        return 2
    config = ReplayConfig(
        detector=args.detector,
        optimizer=args.optimizer,
        locator=args.locator,
        notifier=args.notifier,
        speed=args.speed,
        shift=args.shift,
        start=args.start,
        devices=args.devices,
        app_backend=args.app_backend,
        rpc_timeout_s=args.rpc_timeout,
        connect_timeout_s=args.connect_timeout,
        linger_s=args.linger,
        max_linger_s=args.max_linger,
    )

    def show(progress: ReplayProgress) -> None:
        if sys.stderr.isatty():
            print(
                f"\r{progress.phase:9} legs {progress.legs_loaded}/{progress.legs_total}"
                f" bookings {progress.bookings_loaded}/{progress.bookings_total}"
                f" events {progress.events_sent}/{progress.events_total}"
                f" pings {progress.pings_sent}/{progress.pings_total}"
                f" notifications {progress.notifications_received}",
                end="",
                file=sys.stderr,
            )

    replayer = Replayer(scenario, config, on_progress=show, skipped=skipped)
    try:
        report = replayer.run()
    except ConfigError as exc:
        print(f"rebook replay: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        replayer.stop()
        report = replayer.report()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.notifications_out:
        with args.notifications_out.open("w", encoding="utf-8") as out:
            for record in replayer.notifications:
                out.write(json.dumps(record.to_json()) + "\n")
    print(json.dumps(report))  # stdout stays one JSON object; the person reads stderr
    for line in outcome_lines(report):
        print(f"rebook replay: {line}" if not line.startswith("  ") else line, file=sys.stderr)
    failed = report["legs"]["rejected"] or report["bookings"]["rejected"] or report["events"]["rejected"]
    return 1 if failed or report["skipped"]["count"] else 0


__all__ = [
    "NotificationRecord",
    "ReplayConfig",
    "ReplayProgress",
    "Replayer",
    "outcome_lines",
    "quantiles",
]

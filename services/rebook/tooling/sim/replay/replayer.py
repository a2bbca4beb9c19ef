"""``Replayer``: one scenario streamed through the services' gRPC APIs, in the order and at the
pace the package docstring describes; live progress for the demo through callbacks."""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from rebook.domain.convert import timestamp_field, to_timestamp
from rebook.runtime.auth import load_keyring
from rebook.v1 import (
    event_pb2,
    flight_status_service_pb2,
    flight_status_service_pb2_grpc,
    location_pb2,
    notification_service_pb2,
    passenger_location_service_pb2,
    passenger_location_service_pb2_grpc,
    rebooking_service_pb2,
    rebooking_service_pb2_grpc,
)

from ..scenario import Scenario
from ..scenario_map import shift_scenario
from .calls import ReplayStopped, ServiceCalls
from .config import NotificationRecord, ReplayConfig, ReplayProgress
from .report import build_report, enum_name
from .streams import DeviceStreams
from .timeline import Item, choose_shift, timeline

__all__ = ["ReplayStopped", "Replayer"]


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
        self._streams: DeviceStreams | None = None
        self._calls = ServiceCalls(self.config, self._stop, self._error)
        self._started_wall: float = 0.0

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

    def _prepare(self) -> list[Item]:
        """Chooses the time shift and builds the merged, time-ordered timeline."""
        self.shift = delta = choose_shift(timeline(self.original), self.config, self.clock())
        self.scenario = shift_scenario(self.original, delta)
        items = timeline(self.scenario)
        self._update(
            legs_total=len(self.scenario.flights),
            bookings_total=len(self.scenario.bookings),
            events_total=len(self.scenario.events),
            pings_total=len(self.scenario.pings),
        )
        return items

    # -- plumbing --

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

    def _connect(self) -> None:
        self._update(phase="connect")
        self._calls.connect()

    # -- 1. devices --

    def _subscribe(self) -> None:
        channel = self._calls.channel("notifier")
        if channel is None or "notifier" in self._calls.down:
            return
        self._update(phase="subscribe")
        ttl = timedelta(days=2) + abs(self.shift)
        keyring = self.config.keyring or load_keyring()
        streams = self._streams = DeviceStreams(
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
            offer_status=enum_name(offer, "status"),
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
            "schedule",
            "detector",
            "LoadSchedule",
            flight_status_service_pb2_grpc.FlightStatusServiceStub,
            self.scenario.flights,
            self.config.schedule_chunk,
            lambda chunk: flight_status_service_pb2.LoadScheduleRequest(legs=chunk),
            "legs",
        )

    def _load_bookings(self) -> None:
        self._load_in_chunks(
            "bookings",
            "optimizer",
            "UpsertBookings",
            rebooking_service_pb2_grpc.RebookingServiceStub,
            self.scenario.bookings,
            self.config.booking_chunk,
            lambda chunk: rebooking_service_pb2.UpsertBookingsRequest(bookings=chunk),
            "bookings",
        )

    def _load_in_chunks(self, phase, service, method, stub_type, items, size, request, counter) -> None:
        """Sends ``items`` in chunks of ``size``; counts ``<counter>_loaded`` / ``_rejected``."""
        channel = self._calls.channel(service)
        if channel is None:
            return
        self._update(phase=phase)
        rpc = getattr(stub_type(channel), method)
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            reply = self._calls.call(service, method, rpc, functools.partial(request, chunk))
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

    def _stream(self, timeline: list[Item]) -> None:
        self._update(phase="stream")
        detector, locator = self._calls.channel("detector"), self._calls.channel("locator")
        events = flight_status_service_pb2_grpc.FlightStatusServiceStub(detector) if detector else None
        pings = passenger_location_service_pb2_grpc.PassengerLocationServiceStub(locator) if locator else None
        if not timeline:
            return
        config = self.config
        origin = config.start + self.shift if config.start else timeline[0].at
        wall0 = time.monotonic()

        def due(item: Item) -> float:
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
                self._send_events(events, cast(list[event_pb2.FlightEvent], batch))  # one kind a batch
            else:
                self._send_pings(pings, cast(list[location_pb2.LocationPing], batch))
            self._update(scenario_time=timeline[j - 1].at)
            i = j

    def _send_events(self, stub: Any, batch: list[event_pb2.FlightEvent]) -> None:
        if stub is None:
            return
        reply = self._calls.call(
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
            reported = timestamp_field(ping, "ping_time")
            if reported and reported > cap:
                ping = copy.deepcopy(ping)
                ping.ping_time.CopyFrom(to_timestamp(cap))
            capped.append(ping)

        def requests() -> Iterator[passenger_location_service_pb2.ReportPingsRequest]:
            for start in range(0, len(capped), 100):
                yield passenger_location_service_pb2.ReportPingsRequest(pings=capped[start : start + 100])

        reply = self._calls.call("locator", "ReportPings", stub.ReportPings, requests)
        if reply is None:
            self._add(pings_sent=len(batch), pings_rejected=len(batch))
            return
        for rejected in list(reply.rejected)[:3]:
            self._reject(f"ReportPings ping {rejected.index}: {rejected.code}: {rejected.message}")
        self._add(pings_sent=len(batch), pings_rejected=len(reply.rejected))

    # -- 4. the end --

    def _linger(self) -> None:
        if self._calls.channel("notifier") is None or self._streams is None or not self._streams.following:
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
        self._calls.close()

    def report(self) -> dict[str, Any]:
        wall_s = round(time.monotonic() - self._started_wall, 3) if self._started_wall else 0.0
        return build_report(self.progress, self.notifications, self.config, self.shift, wall_s, self.skipped)

"""``Replayer`` against real gRPC servers: tiny in-test servicers of the four public APIs.

They record what arrives, refuse the first LoadSchedule with UNAVAILABLE (a service still
rebuilding), check passenger tokens like the notifier, and push one notification per
passenger of a booking on a cancelled leg — so the whole client path is exercised in a
second or two, without Kafka.
"""

from __future__ import annotations

import json
import threading
from concurrent import futures
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from rebook.domain.convert import timestamp_field, to_timestamp
from rebook.runtime.auth import Keyring
from rebook.tooling.sim.replay import ReplayConfig, Replayer, outcome_lines
from rebook.tooling.sim.scenario import Scenario
from rebook.tooling.sim.scenario_cli import write_generated
from rebook.tooling.sim.scenario_map import rename_scenario, shift_scenario
from rebook.v1 import (
    batch_pb2,
    offer_pb2,
)
from rebook.v1 import (
    flight_status_service_pb2 as fss,
)
from rebook.v1 import (
    flight_status_service_pb2_grpc as fss_grpc,
)
from rebook.v1 import (
    notification_service_pb2 as nsp,
)
from rebook.v1 import (
    notification_service_pb2_grpc as nsp_grpc,
)
from rebook.v1 import (
    passenger_location_service_pb2 as pls,
)
from rebook.v1 import (
    passenger_location_service_pb2_grpc as pls_grpc,
)
from rebook.v1 import (
    rebooking_service_pb2 as rbs,
)
from rebook.v1 import (
    rebooking_service_pb2_grpc as rbs_grpc,
)

KEYRING = Keyring(b"test-token-secret-of-at-least-32-bytes")
SERVER_THREADS = "fake-airline"


def _client_threads() -> int:
    """Threads of this process that are not the fake services' own."""
    return sum(1 for t in threading.enumerate() if not t.name.startswith(SERVER_THREADS))


class FakeAirline(
    fss_grpc.FlightStatusServiceServicer,
    rbs_grpc.RebookingServiceServicer,
    pls_grpc.PassengerLocationServiceServicer,
    nsp_grpc.NotificationServiceServicer,
):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.legs: dict[str, object] = {}
        self.bookings: dict[str, object] = {}
        self.events: list = []
        self.pings: list = []
        self.refused_once = False
        self.queues: dict[str, list] = {}
        self.cond = threading.Condition(self.lock)
        self.sent: set[str] = set()
        self.streams = 0
        self.stream_cap: int | None = None

    # detector
    def LoadSchedule(self, request, context):
        with self.lock:
            if not self.refused_once:
                self.refused_once = True
                context.abort(grpc.StatusCode.UNAVAILABLE, "rebuilding state")
            rejected, created = [], 0
            for index, leg in enumerate(request.legs):
                if leg.destination == "ZZZ":  # the real detector's rule, per item
                    violation = batch_pb2.FieldViolation(field=f"legs[{index}].destination", description="unknown")
                    rejected.append(
                        batch_pb2.RejectedItem(
                            index=index,
                            id=leg.leg_id,
                            code="INVALID_ARGUMENT",
                            message="unknown station",
                            violations=[violation],
                        )
                    )
                    continue
                created += leg.leg_id not in self.legs
                self.legs[leg.leg_id] = leg
        return fss.LoadScheduleResponse(created_count=created, rejected=rejected, rejected_count=len(rejected))

    def ReportFlightEvents(self, request, context):
        results = []
        with self.cond:
            for event in request.events:
                if event.leg_id not in self.legs:
                    results.append(fss.FlightEventResult(event_id=event.event_id, error_code="NOT_FOUND"))
                    continue
                if event.event_id in {e.event_id for e in self.events}:  # idempotent by id
                    results.append(fss.FlightEventResult(event_id=event.event_id, applied=False))
                    continue
                self.events.append(event)
                results.append(fss.FlightEventResult(event_id=event.event_id, applied=True))
                if event.WhichOneof("change") == "cancellation":
                    self._notify(event)
            self.cond.notify_all()
        return fss.ReportFlightEventsResponse(results=results)

    def _notify(self, event) -> None:
        known = datetime.now(UTC)
        for booking in self.bookings.values():
            if any(s.leg_id == event.leg_id for s in booking.segments):
                offer = offer_pb2.Offer(
                    offer_id=f"of-{booking.record_locator}",
                    version=1,
                    record_locator=booking.record_locator,
                    status=offer_pb2.OFFER_STATUS_OPEN,
                    disruption_id=f"CANCELLATION:{event.leg_id}",
                    disruption_known_time=to_timestamp(known),
                    passenger_ids=[p.passenger_id for p in booking.passengers],
                )
                for passenger in booking.passengers:
                    note = nsp.Notification(
                        notification_id=f"{offer.offer_id}:1:{passenger.passenger_id}",
                        passenger_id=passenger.passenger_id,
                        offer=offer,
                    )
                    self.queues.setdefault(passenger.passenger_id, []).append(note)

    # optimizer
    def UpsertBookings(self, request, context):
        with self.lock:
            unchanged = 0
            for booking in request.bookings:
                known = self.bookings.get(booking.record_locator)
                unchanged += known is not None and known.version >= booking.version
                self.bookings[booking.record_locator] = booking
        return rbs.UpsertBookingsResponse(upserted_count=len(request.bookings) - unchanged, unchanged_count=unchanged)

    # locator
    def ReportPings(self, request_iterator, context):
        accepted, rejected, index = 0, [], 0
        now = datetime.now(UTC)
        for request in request_iterator:
            for ping in request.pings:
                if timestamp_field(ping, "ping_time") > now + timedelta(minutes=2) or not ping.consent:
                    rejected.append(pls.RejectedPing(index=index, code="INVALID_ARGUMENT"))
                else:
                    accepted += 1
                    with self.lock:
                        self.pings.append(ping)
                index += 1
        return pls.ReportPingsResponse(accepted_count=accepted, rejected=rejected)

    # notifier
    def Subscribe(self, request, context):
        auth = dict(context.invocation_metadata()).get("authorization", "")
        try:
            who = KEYRING.verify(auth.removeprefix("Bearer "), datetime.now(UTC)).passenger_id
        except Exception:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "bad token")
        if who != request.passenger_id:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "another passenger")
        with self.lock:
            self.streams += 1
            refuse = self.stream_cap is not None and self.streams > self.stream_cap
        if refuse:  # as the notifier at its stream cap
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "the notifier has too many open streams")
        while context.is_active():
            with self.cond:
                pending = self.queues.pop(who, [])
                if not pending:
                    self.cond.wait(0.1)
                    continue
            for note in pending:
                yield nsp.SubscribeResponse(notification=note)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    write_generated(out, seed=3, size="small")
    return out


@pytest.fixture
def airline():
    fake = FakeAirline()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix=SERVER_THREADS))
    fss_grpc.add_FlightStatusServiceServicer_to_server(fake, server)
    rbs_grpc.add_RebookingServiceServicer_to_server(fake, server)
    pls_grpc.add_PassengerLocationServiceServicer_to_server(fake, server)
    nsp_grpc.add_NotificationServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield fake, f"127.0.0.1:{port}"
    server.stop(0)


def test_replay_streams_everything_and_measures_notifications(folder, airline):
    fake, address = airline
    scenario = Scenario.load(folder)
    seen = []
    config = ReplayConfig(
        detector=address,
        optimizer=address,
        locator=address,
        notifier=address,
        speed=0,
        devices=40,
        keyring=KEYRING,
        linger_s=0.5,
        max_linger_s=10,
    )
    baseline, peak = _client_threads(), [0]

    def progress(snapshot) -> None:
        seen.append(snapshot)
        peak[0] = max(peak[0], _client_threads())

    replayer = Replayer(scenario, config, on_progress=progress)
    report = replayer.run()
    # 40 device streams on a bounded number of threads (issue 13.7: once one thread per device)
    assert peak[0] - baseline <= 6, (baseline, peak)

    assert report["errors"] == [], report["errors"]
    assert report["legs"] == {"total": len(scenario.flights), "loaded": len(scenario.flights), "rejected": 0}
    assert report["bookings"]["loaded"] == len(scenario.bookings) == len(fake.bookings)
    assert report["events"]["applied"] == len(scenario.events) == len(fake.events)
    assert report["pings"]["sent"] == len(scenario.pings) and report["pings"]["rejected"] == 0
    # shifted so the last item is "now": nothing is in the future, ids follow the dates
    assert all(timestamp_field(p, "ping_time") <= datetime.now(UTC) for p in fake.pings)
    assert set(fake.legs) == {leg.leg_id for leg in replayer.scenario.flights}
    times = [timestamp_field(e, "event_time") for e in fake.events]
    assert times == sorted(times)
    # devices: the passengers on cancelled legs come first, each got its notification once
    assert report["devices_subscribed"] == 40
    assert report["notifications"]["received"] > 0
    by_passenger = replayer.notifications_by_passenger()
    assert all(len(records) == 1 for records in by_passenger.values())
    latency = report["notifications"]["latency_s"]
    assert latency["count"] == report["notifications"]["received"] and 0 <= latency["p50"] <= latency["max"] < 10
    assert seen[-1].phase == "done" and seen[-1].events_sent == len(scenario.events)


def test_paced_replay_follows_event_time(folder, airline):
    fake, address = airline
    scenario = Scenario.load(folder)
    # a slice: the storm's first two events plus a few pings, at 600x real time
    events = sorted(scenario.events, key=lambda e: e.event_time.seconds)[-6:]
    sliced = Scenario(scenario.flights, scenario.bookings[:50], events, [])
    span = (timestamp_field(events[-1], "event_time") - timestamp_field(events[0], "event_time")).total_seconds()
    speed = max(600.0, span / 1.5)
    config = ReplayConfig(
        detector=address, optimizer=address, locator=None, notifier=None, speed=speed, keyring=KEYRING
    )
    started = datetime.now(UTC)
    report = Replayer(sliced, config).run()
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert report["events"]["applied"] == 6
    assert elapsed >= span / speed * 0.9
    # at a finite speed the start of the replay maps to now
    first = timestamp_field(fake.events[0], "event_time")
    assert abs((first - started).total_seconds()) < 120


def test_shift_moves_dates_and_renames_leg_ids(folder):
    scenario = Scenario.load(folder)
    moved = shift_scenario(scenario, timedelta(days=10, hours=3))
    ids = {leg.leg_id for leg in moved.flights}
    assert all(s.leg_id in ids for b in moved.bookings for s in b.segments)
    assert all(e.leg_id in ids for e in moved.events)
    before, after = scenario.flights[0], moved.flights[0]
    delta = timestamp_field(after, "scheduled_departure_time") - timestamp_field(before, "scheduled_departure_time")
    assert delta == timedelta(days=10, hours=3)
    assert after.operating_date != before.operating_date and after.leg_id.endswith(after.origin)


def _with_a_bad_line_and_a_bad_leg(folder: Path, out: Path) -> Path:
    out.mkdir()
    for name in ("bookings.jsonl", "pings.jsonl"):
        (out / name).write_bytes((folder / name).read_bytes())
    flights = (folder / "flights.jsonl").read_text().splitlines()
    bad = json.dumps({**json.loads(flights[-1]), "destination": "ZZZ"})
    (out / "flights.jsonl").write_text("\n".join([*flights[:-1], bad]) + "\n")
    events = (folder / "events.jsonl").read_text().splitlines()
    (out / "events.jsonl").write_text("\n".join([events[0], '{"eventId": ', *events[1:]]) + "\n")
    return out


def test_replay_sends_what_is_valid_reports_the_rest_and_a_second_run_says_it_changed_nothing(
    folder, airline, tmp_path
):
    """Issue 17.3: one unreadable line and one leg the services refuse are reported (count and
    reasons, one line each), everything else is sent; replaying the same folder again changes
    nothing and says so, ``--rename`` replays it as new."""
    fake, address = airline
    fake.stream_cap = 30
    config = ReplayConfig(
        detector=address,
        optimizer=address,
        locator=None,
        notifier=address,
        devices=40,
        keyring=KEYRING,
        linger_s=0.2,
        max_linger_s=5,
    )
    scenario, skipped = Scenario.read(_with_a_bad_line_and_a_bad_leg(folder, tmp_path / "export"))
    first = Replayer(scenario, config, skipped=skipped).run()
    assert first["devices_refused"] == 10 and len(first["errors"]) == 3  # thousands would not flood it
    assert first["skipped"]["count"] == 1 and first["skipped"]["first"][0].startswith("events.jsonl:2: ")
    assert first["legs"]["rejected"] == 1 and first["legs"]["loaded"] == len(scenario.flights) - 1
    assert first["events"]["sent"] == len(scenario.events) and not first["changed_nothing"]
    lines = outcome_lines(first)
    assert lines[0] == "skipped 1 unreadable line(s), not sent:"
    assert any(line.startswith("the services refused 1 legs") for line in lines)
    assert any("LoadSchedule legs" in line and "INVALID_ARGUMENT: unknown station" in line for line in lines)
    assert lines[-1].startswith("the notifier refused 10 device stream(s), first: Subscribe (device): RESOURCE")

    config = replace(config, notifier=None)
    again = Replayer(scenario, config, skipped=skipped).run()
    assert again["changed_nothing"] and again["events"]["applied"] == 0
    assert again["events"]["seen_before"] == again["events"]["sent"] - again["events"]["rejected"]
    assert "--rename" in outcome_lines(again)[-1]

    renamed = Replayer(rename_scenario(scenario, "B"), config).run()
    assert not renamed["changed_nothing"] and renamed["events"]["applied"] > 0
    assert renamed["bookings"]["unchanged"] == 0

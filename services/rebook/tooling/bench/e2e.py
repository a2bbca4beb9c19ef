"""End to end over the real broker with all four services as separate processes: a flight of
N subscribed passengers is cancelled through the detector's gRPC API and every device should
get its new itinerary.  ``rebook bench e2e`` prints the measurements; the e2e tests assert them.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc

from rebook.domain.convert import booking_to_proto, leg_to_proto, set_timestamp
from rebook.runtime.auth import Keyring, bearer
from rebook.runtime.config import DEFAULT_KAFKA_BOOTSTRAP
from rebook.runtime.grpc_client import open_channel
from rebook.tooling.args import non_negative_int, positive_int
from rebook.tooling.launch import LocalCluster, isolated_topics
from rebook.tooling.sim.generator.cancelled_flights import CARRIER, Flight, make_flight
from rebook.tooling.stats import quantile
from rebook.v1 import event_pb2, offer_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from rebook.v1 import notification_service_pb2 as ns
from rebook.v1 import notification_service_pb2_grpc as ns_grpc
from rebook.v1 import rebooking_service_pb2 as rs
from rebook.v1 import rebooking_service_pb2_grpc as rs_grpc

DEADLINE_S = 30.0


@dataclass
class Device:
    """A passenger's phone: one Subscribe stream, recording when each offer version arrived."""

    passenger_id: str
    token: str
    received: list[tuple[float, offer_pb2.Offer]] = field(default_factory=list)
    subscribed: threading.Event = field(default_factory=threading.Event)

    def listen(self, channel: grpc.Channel, stop: threading.Event) -> None:
        stub = ns_grpc.NotificationServiceStub(channel)
        stream = stub.Subscribe(
            ns.SubscribeRequest(passenger_id=self.passenger_id),
            metadata=bearer(self.token),
            timeout=DEADLINE_S * 4,
        )
        self.subscribed.set()
        try:
            for reply in stream:
                self.received.append((time.time(), reply.notification.offer))
                if stop.is_set():
                    break
        except grpc.RpcError as error:
            if error.code() not in (grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
        finally:
            stream.cancel()


def wait_views(optimizer: rs_grpc.RebookingServiceStub, flight: Flight, timeout_s: float = 30.0) -> None:
    """Until the optimizer's views hold the schedule and the bookings (a what-if tells)."""
    event = event_pb2.FlightEvent(event_id=f"probe-{uuid.uuid4().hex}", leg_id=flight.cancelled.leg_id)
    set_timestamp(event, "event_time", datetime.now(UTC))
    event.cancellation.reason = "view probe"
    want = len(flight.passenger_ids)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            reply = optimizer.Simulate(rs.SimulateRequest(events=[event], solver="greedy"), timeout=10)
            if reply.affected_passenger_count == want:
                return
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the optimizer's views never showed the schedule and bookings")


def run_e2e(
    passengers: int, kafka_bootstrap: str, run_dir: Path, seed: int = 1, answer: bool = True, topic_prefix: str = ""
) -> dict:
    """``topic_prefix``: run on topics of its own (see ``isolated_topics``) instead of the declared ones."""
    flight = make_flight(passengers, seed)
    secret = secrets.token_urlsafe(32)
    keyring = Keyring(secret.encode())
    # The airline's ops/PSS client: its carrier only, the roles the run needs.
    roles = ["flights:write", "bookings:write", "simulate"]
    ops = keyring.client_token("e2e-ops", [CARRIER], roles, timedelta(hours=1))
    env = {"REBOOK_AUTH_SECRET": secret, "REBOOK_NOTIFIER_WEBHOOK_SECRET": secrets.token_urlsafe(32)}
    if topic_prefix:
        env.update(isolated_topics(kafka_bootstrap, topic_prefix))
    with LocalCluster(kafka_bootstrap, run_dir, env=env) as cluster:
        channels = {name: open_channel(cluster.address(name), ops) for name in cluster.services}
        detector = fss_grpc.FlightStatusServiceStub(channels["detector"])
        optimizer = rs_grpc.RebookingServiceStub(channels["optimizer"])
        detector.LoadSchedule(
            fss.LoadScheduleRequest(legs=[leg_to_proto(g) for g in (flight.cancelled, *flight.later)]), timeout=30
        )
        optimizer.UpsertBookings(
            rs.UpsertBookingsRequest(bookings=[booking_to_proto(b) for b in flight.bookings]), timeout=30
        )
        wait_views(optimizer, flight)
        stop = threading.Event()
        devices = [Device(pid, keyring.passenger_token(pid, timedelta(hours=1))) for pid in flight.passenger_ids]
        threads = [threading.Thread(target=d.listen, args=(channels["notifier"], stop), daemon=True) for d in devices]
        for thread in threads:
            thread.start()
        for device in devices:
            device.subscribed.wait(10)
        time.sleep(1.0)  # let every stream reach the server before the disruption
        event = event_pb2.FlightEvent(event_id=f"cnl-{uuid.uuid4().hex}", leg_id=flight.cancelled.leg_id)
        set_timestamp(event, "event_time", datetime.now(UTC))
        event.cancellation.reason = "e2e: crew shortage"
        cancelled_at = time.time()
        detector.ReportFlightEvent(fss.ReportFlightEventRequest(event=event), timeout=10)
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline and not all(d.received for d in devices):
            time.sleep(0.05)
        first_notified = time.time()
        answered = _answer_one(optimizer, devices) if answer else None
        time.sleep(1.0)  # would a duplicate arrive?
        stop.set()
        for channel in channels.values():
            channel.close()
        result = _summary(devices, cancelled_at, first_notified, answered)
        result["exit_codes"] = cluster.stop()
    return result


def _answer_one(optimizer: rs_grpc.RebookingServiceStub, devices: list[Device]) -> dict | None:
    """One passenger accepts with their own token: the offer's next version must reach their device too."""
    device = next((d for d in devices if d.received), None)
    if device is None:
        return None
    offer = device.received[0][1]
    response = offer_pb2.PassengerResponse(
        response_id=f"e2e-{uuid.uuid4().hex}",
        offer_id=offer.offer_id,
        offer_version=offer.version,
        kind=offer_pb2.RESPONSE_KIND_ACCEPT,
    )
    request = rs.RespondToOfferRequest(response=response)
    reply = optimizer.RespondToOffer(request, metadata=bearer(device.token), timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(device.received) < 2:
        time.sleep(0.05)
    return {
        "offer_version": reply.offer.version,
        "status": offer_pb2.OfferStatus.Name(reply.offer.status),
        "device_saw_new_version": any(o.version == reply.offer.version for _, o in device.received),
    }


def _summary(devices: list[Device], cancelled_at: float, first_notified: float, answered: dict | None) -> dict:
    latencies, duplicates, with_itinerary = [], 0, 0
    for device in devices:
        versions = [(o.offer_id, o.version) for _, o in device.received]
        duplicates += len(versions) - len(set(versions))
        if device.received:
            received_at, offer = device.received[0]
            known = offer.disruption_known_time.ToDatetime(tzinfo=UTC).timestamp()
            latencies.append(received_at - known)
            with_itinerary += any(o.held for o in offer.options)
    return {
        "passengers": len(devices),
        "delivered": sum(1 for d in devices if d.received),
        "with_held_itinerary": with_itinerary,
        "duplicates": duplicates,
        "p50_s": round(quantile(latencies, 0.50), 4),
        "p99_s": round(quantile(latencies, 0.99), 4),
        "max_s": round(max(latencies), 4) if latencies else None,
        "mean_s": round(statistics.fmean(latencies), 4) if latencies else None,
        "cancel_call_to_all_delivered_s": round(first_notified - cancelled_at, 4),
        "answer": answered,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passengers", type=positive_int, default=200, help="passengers on the cancelled flight")
    parser.add_argument("--seed", type=non_negative_int, default=1, help="random seed of the generated instance")
    parser.add_argument("--runs", type=positive_int, default=1, help="repeat and report the median of p50/p99")


def run(args: argparse.Namespace) -> int:
    import os

    from rebook.runtime.kafka_admin import wait_for_broker
    from rebook.tooling.local_kafka import LocalKafka

    bootstrap = os.environ.get("REBOOK_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    local = None
    try:
        wait_for_broker(bootstrap, 3)
    except Exception:
        local = LocalKafka.from_env()
        local.up()
        bootstrap = local.bootstrap
    try:
        results = []
        for i in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="rebook-e2e-") as folder:
                results.append(run_e2e(args.passengers, bootstrap, Path(folder), seed=args.seed + i))
        summary = dict(results[-1])
        if len(results) > 1:
            for key in ("p50_s", "p99_s", "max_s"):
                summary[key] = statistics.median(r[key] for r in results)
            summary["runs"] = [{k: r[k] for k in ("delivered", "p50_s", "p99_s", "max_s")} for r in results]
        print(json.dumps(summary))
        return 0 if summary["delivered"] == summary["passengers"] else 1
    finally:
        if local is not None:
            local.down()

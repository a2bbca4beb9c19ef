"""The client library's three examples against all four services as processes: a schedule and
bookings pushed, an app backend following a passenger, a cancellation fed from a file reaching
that passenger as an offer; a second push of the same files changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from rebook.client import ClientOptions, RebookingClient
from rebook.domain.convert import booking_to_proto, leg_to_proto, set_timestamp
from rebook.optimizer.servicer import ACCESS
from rebook.runtime.grpc_server import ServiceBinding, build_server
from rebook.runtime.metrics import new_registry
from rebook.tooling.bench.e2e import wait_views
from rebook.tooling.launch import LocalCluster, isolated_topics
from rebook.tooling.sim.generator.cancelled_flights import make_flight
from rebook.v1 import event_pb2, offer_pb2
from rebook.v1 import rebooking_service_pb2 as rs
from rebook.v1 import rebooking_service_pb2_grpc as rs_grpc
from tests.helpers.auth import client_token, passenger_token
from tests.helpers.net import wait_until

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _write_jsonl(path: Path, messages: list) -> Path:
    path.write_text("".join(json_format.MessageToJson(m, indent=None) + "\n" for m in messages))
    return path


def _example(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def _subscribers(metrics_url: str) -> float:
    body = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    lines = [line for line in body.splitlines() if line.startswith("rebook_notification_subscribers{")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


def test_examples_feed_push_and_follow(kafka_bootstrap: str, tmp_path: Path) -> None:
    flight = make_flight(6, seed=3)
    flights = _write_jsonl(tmp_path / "flights.jsonl", [leg_to_proto(g) for g in (flight.cancelled, *flight.later)])
    bookings = _write_jsonl(tmp_path / "bookings.jsonl", [booking_to_proto(b) for b in flight.bookings])
    cancel = event_pb2.FlightEvent(event_id=f"cnl-{uuid.uuid4().hex}", leg_id=flight.cancelled.leg_id)
    set_timestamp(cancel, "event_time", datetime.now(UTC))
    cancel.cancellation.reason = "crew"
    events = _write_jsonl(tmp_path / "events.jsonl", [cancel])
    passenger = flight.passenger_ids[0]
    token = passenger_token(passenger, timedelta(hours=1))
    ops = {"REBOOK_CLIENT_TOKEN": client_token()}  # the examples' airline client (development key)

    # Topics of its own: a shared broker's other users never meet this run.
    env = isolated_topics(kafka_bootstrap, f"examples{uuid.uuid4().hex[:8]}.")
    with LocalCluster(kafka_bootstrap, tmp_path / "run", env=env) as cluster:
        detector, optimizer = cluster.address("detector"), cluster.address("optimizer")
        loaded = _example("feed_flight_events.py", "--detector", detector, "--schedule", str(flights), env=ops)
        assert loaded.returncode == 0 and "4 legs loaded" in loaded.stdout, loaded.stderr
        pushed = _example("push_bookings.py", "--optimizer", optimizer, "--bookings", str(bookings), env=ops)
        assert pushed.returncode == 0 and f"{len(flight.bookings)} stored" in pushed.stdout, pushed.stderr
        again = _example("push_bookings.py", "--optimizer", optimizer, "--bookings", str(bookings), env=ops)
        assert f"0 stored, {len(flight.bookings)} unchanged, 0 rejected" in again.stdout, again.stderr
        ghost = booking_to_proto(replace(flight.bookings[0], record_locator="GHOST9"))
        ghost.segments[0].leg_id = "RB9999-2026-01-01-FRA"  # a leg nobody loaded
        fresh = booking_to_proto(replace(flight.bookings[0], record_locator="FRESH9"))
        del fresh.segments[1:]
        fresh.segments[0].leg_id = flight.later[-1].leg_id  # not on the flight cancelled below
        mixed = _write_jsonl(tmp_path / "mixed.jsonl", [ghost, fresh])
        partly = _example("push_bookings.py", "--optimizer", optimizer, "--bookings", str(mixed), env=ops)
        assert partly.returncode == 1 and "1 stored, 0 unchanged, 1 rejected" in partly.stdout, partly.stderr
        assert "rejected line 1 GHOST9: FAILED_PRECONDITION" in partly.stderr, partly.stderr
        with RebookingClient(ClientOptions(optimizer, token=ops["REBOOK_CLIENT_TOKEN"])) as client:
            wait_views(client.stub, flight)

        follow = subprocess.Popen(
            [
                sys.executable,
                str(EXAMPLES / "follow_offers.py"),
                "--notifier",
                cluster.address("notifier"),
                "--passenger-id",
                passenger,
                "--count",
                "1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "REBOOK_CLIENT_TOKEN": token},
        )
        try:
            metrics = cluster.services["notifier"].metrics_url
            assert wait_until(lambda: _subscribers(metrics) >= 1, 30), "the app backend never subscribed"
            fed = _example("feed_flight_events.py", "--detector", detector, "--events", str(events), env=ops)
            assert fed.returncode == 0 and "1 applied" in fed.stdout, fed.stderr
            out, err = follow.communicate(timeout=60)
        finally:
            if follow.poll() is None:
                follow.kill()
        assert follow.returncode == 0, err
        assert out.startswith("offer v1 open:"), out
        replayed = _example("feed_flight_events.py", "--detector", detector, "--events", str(events), env=ops)
        assert "0 applied, 1 unchanged, 0 rejected" in replayed.stdout, replayed.stderr


class _FlakyRebooking(rs_grpc.RebookingServiceServicer):
    """Answers UNAVAILABLE to the first two calls, as a restarting server would."""

    def __init__(self) -> None:
        self.calls = 0

    def GetOffer(self, request, context):
        self.calls += 1
        if self.calls <= 2:
            context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        return rs.GetOfferResponse(offer=offer_pb2.Offer(offer_id=request.offer_id))


def test_unavailable_is_retried_with_the_same_request() -> None:
    flaky = _FlakyRebooking()
    service = rs.DESCRIPTOR.services_by_name["RebookingService"]
    binding = ServiceBinding(service, flaky, rs_grpc.add_RebookingServiceServicer_to_server, ACCESS)
    server = build_server("127.0.0.1:0", [binding], new_registry())
    server.server.start()
    options = ClientOptions(f"127.0.0.1:{server.port}", token=client_token(), initial_backoff_s=0.01)
    try:
        with RebookingClient(options) as client:
            assert client.get_offer(offer_id="AB12CD/x").offer_id == "AB12CD/x"
        assert flaky.calls == 3
        flaky.calls = 0
        with RebookingClient(replace(options, max_attempts=1)) as once, pytest.raises(grpc.RpcError) as failed:
            once.get_offer(offer_id="AB12CD/x")
        assert failed.value.code() == grpc.StatusCode.UNAVAILABLE and flaky.calls == 1
    finally:
        server.server.stop(0)

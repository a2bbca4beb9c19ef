"""Streams cannot starve a service, and SIGTERM stops it whatever its clients do: Subscribe
streams past the per-passenger and global caps get RESOURCE_EXHAUSTED, health answers while the
notifier holds its maximum of streams, and the notifier and the locator exit within the grace
period and its margin with client streams still open."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from datetime import timedelta

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.runtime.grpc_client import open_channel
from rebook.runtime.service import SHUTDOWN_MARGIN_S
from rebook.tooling.launch import LocalCluster
from rebook.v1 import notification_service_pb2 as ns_pb
from rebook.v1 import notification_service_pb2_grpc as ns_grpc
from rebook.v1 import passenger_location_service_pb2_grpc as pl_grpc
from tests.faults.world import Namespace
from tests.helpers.auth import client_token, passenger_token

pytestmark = pytest.mark.faults

GRACE_S = 2.0
PER_PASSENGER, WORKERS = 5, 64  # the global cap is the pool less 32 reserved threads: 32


def _subscribe(stub, passenger_id: str, codes: list, stop: threading.Event) -> None:
    token = passenger_token(passenger_id, timedelta(hours=1))
    stream = stub.Subscribe(
        ns_pb.SubscribeRequest(passenger_id=passenger_id),
        metadata=(("authorization", f"Bearer {token}"),),
        timeout=120,
    )
    try:
        for _ in stream:
            if stop.is_set():
                break
    except grpc.RpcError as error:
        codes.append(error.code())


def test_stream_caps_health_and_sigterm_with_open_streams(kafka_bootstrap, tmp_path) -> None:
    namespace = Namespace.create(kafka_bootstrap)
    env = {**namespace.env(), "REBOOK_SHUTDOWN_GRACE": f"{GRACE_S}s", "REBOOK_NOTIFIER_GRPC_MAX_WORKERS": str(WORKERS)}
    cluster = LocalCluster(kafka_bootstrap, tmp_path, env=env, only=("notifier", "locator"))
    with cluster:
        channel = open_channel(cluster.address("notifier"), client_token())
        stub = ns_grpc.NotificationServiceStub(channel)
        stop, codes, threads = threading.Event(), [], []
        passengers = ["pax-many"] * (PER_PASSENGER + 2) + [f"pax-{uuid.uuid4().hex[:8]}" for _ in range(40)]
        for passenger in passengers:
            threads.append(threading.Thread(target=_subscribe, args=(stub, passenger, codes, stop), daemon=True))
            threads[-1].start()
        time.sleep(4.0)
        exhausted = codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED)
        assert set(codes) == {grpc.StatusCode.RESOURCE_EXHAUSTED}
        assert exhausted == len(passengers) - (WORKERS - 32), codes  # 2 over the passenger cap, the rest over all
        health = health_pb2_grpc.HealthStub(channel)
        started = time.monotonic()
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == health_pb2.HealthCheckResponse.SERVING
        print(
            f"[faults] streams: {len(passengers) - exhausted} open, {exhausted} refused; health answered in "
            f"{time.monotonic() - started:.3f}s"
        )

        locator = pl_grpc.PassengerLocationServiceStub(open_channel(cluster.address("locator"), client_token()))
        pings_open = threading.Event()

        def never_ending():
            while not pings_open.wait(0.2):
                pass
            yield from ()

        pending = [locator.ReportPings.future(never_ending()) for _ in range(5)]
        time.sleep(1.0)
        sent = time.monotonic()
        for name in ("notifier", "locator"):
            cluster.services[name].process.send_signal(signal.SIGTERM)
        exits = {name: cluster.services[name].process.wait(60) for name in ("notifier", "locator")}
        took = time.monotonic() - sent
        pings_open.set()
        stop.set()
        print(f"[faults] SIGTERM with open streams: exited {exits} in {took:.1f}s (grace {GRACE_S}s)")
        assert took < GRACE_S + SHUTDOWN_MARGIN_S + 3
        del pending

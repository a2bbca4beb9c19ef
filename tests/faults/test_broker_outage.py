"""A broker outage, on a broker of the test's own: the detector, locator and optimizer processes
stay up, report NOT_SERVING while Kafka does not acknowledge their writes, refuse what they
cannot write (UNAVAILABLE) or keep it to send later, and turn SERVING again by themselves when
the broker is back; what they kept reaches the topic and a refused write retried applies.
The broker is stopped and started again with its data (``LocalKafka.down``/``up``).

And a broker restart while the optimizer is turning a batch of cancellations into offers: once
the broker is back, the topics show every affected booking with a current offer, no seat held
twice, no hold on a cancelled leg and no offer version twice (the kill suite's invariants)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.domain.convert import booking_to_proto, leg_to_proto
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.kafka import read_to_end
from rebook.runtime.topics import PROXIMITY
from rebook.tooling.launch import SERVICES, LocalCluster
from rebook.tooling.local_kafka import LocalKafka
from rebook.tooling.sim.generator.cancelled_flights import make_network
from rebook.v1 import flight_status_service_pb2 as fs_pb
from rebook.v1 import flight_status_service_pb2_grpc as fs_grpc
from rebook.v1 import passenger_location_service_pb2 as pl_pb
from rebook.v1 import passenger_location_service_pb2_grpc as pl_grpc
from rebook.v1 import rebooking_service_pb2 as rb_pb
from rebook.v1 import rebooking_service_pb2_grpc as rb_grpc
from tests.faults.world import (
    Namespace,
    figures,
    publish_cancellations,
    publish_world,
    read_offers,
    wait_sound,
)
from tests.helpers.auth import client_token
from tests.helpers.brokers import private_broker
from tests.helpers.net import wait_until
from tests.integration.locator.support import DEN_TERMINAL, EAST_OF_DEN, ping

pytestmark = pytest.mark.faults

NAMES = ("detector", "locator", "optimizer")
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture(scope="module")
def own_broker(tmp_path_factory) -> Iterator[LocalKafka]:
    with private_broker(Path(tmp_path_factory.mktemp("outage-kafka"))) as broker:
        yield broker


def _status(channel: grpc.Channel, name: str) -> int | None:
    try:
        request = health_pb2.HealthCheckRequest(service=SERVICES[name])
        return health_pb2_grpc.HealthStub(channel).Check(request, timeout=2).status
    except grpc.RpcError:
        return None


def _proximity_keys(bootstrap: str) -> set[str]:
    return {record.key for record in read_to_end(bootstrap, [PROXIMITY], timeout_s=20)}


def _upsert_until_known(stub, booking, timeout_s: float = 30) -> rb_pb.UpsertBookingsResponse:
    """The optimizer validates a booking against the legs it has read: wait until it has them."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return stub.UpsertBookings(rb_pb.UpsertBookingsRequest(bookings=[booking]), timeout=20)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.INVALID_ARGUMENT or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_services_ride_out_a_broker_outage(own_broker: LocalKafka, tmp_path) -> None:
    bootstrap = own_broker.bootstrap
    network = make_network(seed=11, cancelled=1, bookings_per_leg=2)
    first_leg, second_leg = network.later[0], network.later[1]
    before, during = network.bookings
    cluster = LocalCluster(bootstrap, tmp_path / "cluster", env={"REBOOK_ENV": "development"}, only=NAMES)
    with cluster:
        channels = {name: open_channel(cluster.address(name), client_token()) for name in NAMES}
        detector = fs_grpc.FlightStatusServiceStub(channels["detector"])
        locator = pl_grpc.PassengerLocationServiceStub(channels["locator"])
        optimizer = rb_grpc.RebookingServiceStub(channels["optimizer"])
        legs = [leg_to_proto(g) for g in (network.cancelled[0], first_leg)]
        assert detector.LoadSchedule(fs_pb.LoadScheduleRequest(legs=legs), timeout=20).created_count == 2
        assert _upsert_until_known(optimizer, booking_to_proto(before)).upserted_count == 1
        early_ping = ping("pax-early", *DEN_TERMINAL, datetime.now(UTC))
        locator.ReportPing(pl_pb.ReportPingRequest(ping=early_ping), timeout=10)
        assert wait_until(lambda: "pax-early" in _proximity_keys(bootstrap), 30)

        own_broker.down()
        outage = time.monotonic()
        # The locator keeps what it cannot send yet; the detector and optimizer refuse.
        late_ping = ping("pax-during", *EAST_OF_DEN, datetime.now(UTC))
        assert locator.ReportPing(pl_pb.ReportPingRequest(ping=late_ping), timeout=10).published
        refused = [
            detector.LoadSchedule.future(fs_pb.LoadScheduleRequest(legs=[leg_to_proto(second_leg)]), timeout=90),
            optimizer.UpsertBookings.future(
                rb_pb.UpsertBookingsRequest(bookings=[booking_to_proto(during)]), timeout=90
            ),
        ]
        for call in refused:
            assert call.exception() is not None and call.code() == grpc.StatusCode.UNAVAILABLE, call.code()
        assert wait_until(lambda: all(_status(channels[n], n) == NOT_SERVING for n in NAMES), 90, 0.5), {
            n: _status(channels[n], n) for n in NAMES
        }
        not_serving_after = time.monotonic() - outage
        assert all(cluster.services[n].process.poll() is None for n in NAMES)  # nobody exited

        own_broker.up()
        back = time.monotonic()
        assert wait_until(lambda: all(_status(channels[n], n) == SERVING for n in NAMES), 180, 0.5), {
            n: _status(channels[n], n) for n in NAMES
        }
        recovered_in = time.monotonic() - back
        # Kept, then sent: by the locator's retry, at the latest one delivery timeout (30 s) after
        # its last failed attempt.
        assert wait_until(lambda: "pax-during" in _proximity_keys(bootstrap), 90, 1.0)
        kept_sent_in = time.monotonic() - back
        retried_leg = detector.LoadSchedule(fs_pb.LoadScheduleRequest(legs=[leg_to_proto(second_leg)]), timeout=30)
        assert retried_leg.created_count == 1  # the refused write was rolled back, so the retry applies
        retried = optimizer.UpsertBookings(rb_pb.UpsertBookingsRequest(bookings=[booking_to_proto(during)]), timeout=30)
        assert retried.upserted_count == 1
        got = detector.GetFlightLeg(fs_pb.GetFlightLegRequest(leg_id=second_leg.leg_id), timeout=10)
        assert got.leg.leg_id == second_leg.leg_id
        print(
            f"[faults] broker outage: NOT_SERVING within {not_serving_after:.1f}s of the stop, all SERVING "
            f"{recovered_in:.1f}s after the broker was back; kept ping sent after {kept_sent_in:.1f}s; "
            "refused writes retried"
        )


def test_a_broker_restart_mid_batch_loses_no_offer(own_broker: LocalKafka, tmp_path) -> None:
    bootstrap = own_broker.bootstrap
    ns = Namespace.create(bootstrap)
    network = make_network(seed=5)
    publish_world(bootstrap, ns, network)
    with LocalCluster(bootstrap, tmp_path / "cluster", env=ns.env(), only=("optimizer",)) as cluster:
        publish_cancellations(bootstrap, ns, network)
        own_broker.down()  # while the optimizer reads, solves and publishes the batch
        time.sleep(5.0)
        own_broker.up()
        back = time.monotonic()
        found, _ = wait_sound(bootstrap, ns, network, timeout_s=120)
        recover_s = time.monotonic() - back
        time.sleep(2.0)  # nothing more may come: no re-sent versions
        found = figures(read_offers(bootstrap, ns), network)
        print(
            f"[faults] broker restart mid-batch: offered {found.offered}/{found.affected} affected bookings "
            f"({found.with_seat} with a seat), seats double-held {found.double_held}, holds on unusable legs "
            f"{found.unusable_holds}, duplicates {found.duplicates}, all offered {recover_s:.1f}s after the "
            "broker was back"
        )
        assert found.sound, found
        assert found.with_seat == found.affected
        assert cluster.services["optimizer"].process.poll() is None  # it rode the restart out

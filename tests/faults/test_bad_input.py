"""Hostile input against the detector and optimizer processes: 10 MB fields, out-of-range
timestamps, unknown enum values, far-future events and thousands of bad items.  Every answer is
a canonical code with bounded details (never INTERNAL, never a reply too big for the client),
nothing is half applied, and a valid retry after a refusal is applied and published."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rebook.domain.convert import booking_to_proto, leg_to_proto, set_timestamp
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.grpc_errors import MAX_FIELD_VIOLATIONS, field_violations
from rebook.runtime.kafka import read_to_end
from rebook.runtime.topics import BOOKINGS
from rebook.tooling.launch import LocalCluster
from rebook.tooling.sim.generator.cancelled_flights import make_network
from rebook.v1 import event_pb2, offer_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from rebook.v1 import rebooking_service_pb2 as rs
from rebook.v1 import rebooking_service_pb2_grpc as rs_grpc
from tests.faults.world import Namespace
from tests.helpers.auth import client_token
from tests.helpers.net import wait_until

pytestmark = pytest.mark.faults

TEN_MB = "x" * (10 * 1024 * 1024)
# Codes a caller's mistake may get; INTERNAL, UNKNOWN and RESOURCE_EXHAUSTED never.
CALLER_CODES = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
}


@pytest.fixture(scope="module")
def services(kafka_bootstrap, tmp_path_factory):
    ns = Namespace.create(kafka_bootstrap)
    network = make_network(seed=5, cancelled=1, bookings_per_leg=3)
    cluster = LocalCluster(
        kafka_bootstrap, tmp_path_factory.mktemp("bad-input"), env=ns.env(), only=("detector", "optimizer")
    )
    with cluster:
        detector = fss_grpc.FlightStatusServiceStub(open_channel(cluster.address("detector"), client_token()))
        optimizer = rs_grpc.RebookingServiceStub(open_channel(cluster.address("optimizer"), client_token()))
        schedule = fss.LoadScheduleRequest(legs=[leg_to_proto(g) for g in network.legs.values()])
        detector.LoadSchedule(schedule, timeout=30)
        yield detector, optimizer, network, ns, kafka_bootstrap


def _code(call) -> grpc.StatusCode:
    try:
        call()
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    return raised.value


def test_a_10_mb_leg_is_refused_up_front_and_not_served(services) -> None:
    detector, _, network, _, _ = services
    leg = leg_to_proto(network.later[0])
    leg.leg_id = leg.leg_id.replace(leg.flight_number, "7777")
    leg.flight_number = "7777"
    leg.aircraft_type = TEN_MB
    error = _refused(lambda: detector.LoadSchedule(fss.LoadScheduleRequest(legs=[leg], atomic=True), timeout=30))
    assert [f for f, _ in field_violations(error)] == ["legs[0]"]
    reply = detector.LoadSchedule(fss.LoadScheduleRequest(legs=[leg]), timeout=30)
    assert [(r.index, [v.field for v in r.violations]) for r in reply.rejected] == [(0, ["legs[0]"])]
    assert _code(lambda: detector.GetFlightLeg(fss.GetFlightLegRequest(leg_id=leg.leg_id), timeout=5)) == (
        grpc.StatusCode.NOT_FOUND
    )


def test_a_refused_booking_write_leaves_nothing_and_its_retry_publishes(services) -> None:
    _, optimizer, network, ns, bootstrap = services
    booking = network.bookings[0]
    message = booking_to_proto(booking)
    message.record_locator = "RTRY" + uuid.uuid4().hex[:4].upper()
    message.passengers[0].passenger_id = TEN_MB
    _refused(lambda: optimizer.UpsertBookings(rs.UpsertBookingsRequest(bookings=[message], atomic=True), timeout=30))
    refused = optimizer.UpsertBookings(rs.UpsertBookingsRequest(bookings=[message]), timeout=30)
    assert (refused.upserted_count, [r.index for r in refused.rejected]) == (0, [0])
    message.passengers[0].passenger_id = "pax-retry"
    reply = _upsert_once_legs_are_known(optimizer, message)
    assert reply.upserted_count == 1 and reply.unchanged_count == 0
    assert message.record_locator in {r.key for r in read_to_end(bootstrap, [ns[BOOKINGS]])}


def _upsert_once_legs_are_known(optimizer, message) -> rs.UpsertBookingsResponse:
    """The optimizer follows the schedule from the flights topic: a booking may name a leg it has
    not read yet (UNKNOWN_LEG), which a retry after a moment takes."""
    replies = []

    def taken() -> bool:
        replies.append(optimizer.UpsertBookings(rs.UpsertBookingsRequest(bookings=[message]), timeout=30))
        return not any(r.reason == "UNKNOWN_LEG" for r in replies[-1].rejected)

    assert wait_until(taken, 20)
    return replies[-1]


def _estimate(leg_id: str, event_time: datetime, departure: datetime) -> event_pb2.FlightEvent:
    event = event_pb2.FlightEvent(event_id=f"est-{uuid.uuid4().hex}", leg_id=leg_id)
    set_timestamp(event, "event_time", event_time)
    set_timestamp(event.estimate, "departure_time", departure)
    return event


def test_a_far_future_event_is_refused_and_does_not_silence_real_ones(services) -> None:
    detector, _, network, _, _ = services
    leg = network.later[1]
    far = _estimate(leg.leg_id, datetime(9999, 12, 31, tzinfo=UTC), leg.scheduled_departure + timedelta(hours=9))
    error = _refused(lambda: detector.ReportFlightEvent(fss.ReportFlightEventRequest(event=far), timeout=10))
    assert field_violations(error)[0][0] == "event.event_time"
    real = _estimate(leg.leg_id, datetime.now(UTC), leg.scheduled_departure + timedelta(hours=4))
    reply = detector.ReportFlightEvent(fss.ReportFlightEventRequest(event=real), timeout=10)
    assert reply.applied and reply.disruptions


def test_out_of_range_values_are_field_violations_and_batches_answer_per_item(services) -> None:
    detector, _, network, _, _ = services
    leg = leg_to_proto(network.later[2])
    leg.scheduled_arrival_time.seconds = 10**13
    leg.status = 99
    error = _refused(lambda: detector.LoadSchedule(fss.LoadScheduleRequest(legs=[leg], atomic=True), timeout=10))
    assert {f for f, _ in field_violations(error)} == {"legs[0].scheduled_arrival_time", "legs[0].status"}
    reply = detector.LoadSchedule(fss.LoadScheduleRequest(legs=[leg]), timeout=10)
    assert {v.field for v in reply.rejected[0].violations} == {"legs[0].scheduled_arrival_time", "legs[0].status"}
    bad = _estimate(network.later[2].leg_id, datetime.now(UTC), network.later[2].scheduled_departure)
    bad.event_time.seconds = -(10**12)
    good = _estimate(
        network.later[2].leg_id, datetime.now(UTC), network.later[2].scheduled_departure + timedelta(minutes=20)
    )
    reply = detector.ReportFlightEvents(fss.ReportFlightEventsRequest(events=[bad, good]), timeout=10)
    assert reply.results[0].error_code == "INVALID_ARGUMENT" and "event_time" in reply.results[0].error_message
    assert not reply.results[1].error_code and reply.results[1].applied


def test_thousands_of_violations_fit_the_reply(services) -> None:
    detector, _, network, _, _ = services
    legs = []
    for i in range(3000):
        leg = leg_to_proto(network.later[0])
        leg.origin = f"Q{i:05d}" + "y" * 500  # a long echoed value too
        legs.append(leg)
    reply = detector.LoadSchedule(fss.LoadScheduleRequest(legs=legs), timeout=30)  # per item: fits the reply
    assert reply.rejected_count == 3000 and 0 < len(reply.rejected) <= 3000 and reply.ByteSize() <= 2 << 20
    assert all(len(v.description) <= 200 for r in reply.rejected for v in r.violations)
    error = _refused(lambda: detector.LoadSchedule(fss.LoadScheduleRequest(legs=legs, atomic=True), timeout=30))
    violations = field_violations(error)
    assert 5 < len(violations) <= MAX_FIELD_VIOLATIONS + 1  # the count or the byte budget ends the list
    assert violations[-1][1].endswith("more violations not shown")
    assert int(violations[-1][1].split()[0]) >= 3000 - len(violations)
    assert all(len(d) <= 200 for _, d in violations) and len(error.details()) <= 500


# --- hypothesis: any size, any number, any enum, on every unary RPC -----------------------------

sizes = st.sampled_from([0, 1, 7, 300, 70_000, 10 * 1024 * 1024])
texts = st.builds(lambda n, c: c * n, sizes, st.sampled_from(["x", "é", "\x00", "9"]))
seconds = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-62_135_596_800, 253_402_300_799))
enums = st.integers(-(2**31), 2**31 - 1)


@st.composite
def requests(draw, network):
    leg = leg_to_proto(draw(st.sampled_from(list(network.legs.values()))))
    which = draw(st.sampled_from(["load", "event", "booking", "respond", "get_offer", "simulate", "list"]))
    text, second, enum = draw(texts), draw(seconds), draw(enums)
    if which == "load":
        setattr(leg, draw(st.sampled_from(["tail_number", "aircraft_type", "origin", "leg_id"])), text)
        leg.scheduled_departure_time.seconds = second
        leg.status = enum
        return "LoadSchedule", fss.LoadScheduleRequest(legs=[leg])
    event = event_pb2.FlightEvent(event_id=text or "e", leg_id=leg.leg_id)
    event.event_time.seconds = second
    event.cancellation.reason = text
    if which == "event":
        return "ReportFlightEvent", fss.ReportFlightEventRequest(event=event)
    if which == "simulate":
        return "Simulate", rs.SimulateRequest(events=[event], solver=draw(st.sampled_from(["", "greedy", text])))
    if which == "booking":
        booking = booking_to_proto(network.bookings[0])
        booking.record_locator = text[:8] or "ZZZZZ9"
        booking.passengers[0].tier = enum
        booking.segments[0].cabin = draw(enums)
        return "UpsertBookings", rs.UpsertBookingsRequest(bookings=[booking])
    if which == "respond":
        answer = offer_pb2.PassengerResponse(offer_id=text, response_id=text, kind=enum, offer_version=draw(enums))
        return "RespondToOffer", rs.RespondToOfferRequest(response=answer)
    if which == "get_offer":
        return "GetOffer", rs.GetOfferRequest(offer_id=text, record_locator=text)
    request = fss.ListDisruptionsRequest(carrier=text, airport=text)
    request.start_time.seconds = second
    return "ListDisruptions", request


def test_any_field_of_any_size_gets_a_caller_code(services) -> None:
    detector, optimizer, network, _, _ = services

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests(network))
    def check(call) -> None:
        method, request = call
        stub = detector if hasattr(detector, method) else optimizer
        try:
            getattr(stub, method)(request, timeout=30)
        except grpc.RpcError as error:
            assert error.code() in CALLER_CODES, (method, error.code(), error.details())

    check()

"""The optimizer's servicer in-process (no server, no broker): translation, access and error
codes through the runtime's interceptor.  The integration tests keep the real broker."""

from __future__ import annotations

import grpc
import pytest

from rebook.flightops import Cancellation, FlightEvent
from rebook.flightops.convert import event_to_proto
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from rebook.optimizer.metrics import OptimizerMetrics
from rebook.optimizer.servicer import OptimizerDeps, binding
from rebook.runtime.grpc_errors import field_violations
from rebook.runtime.metrics import new_registry
from rebook.v1 import rebooking_service_pb2 as pb
from tests.helpers.auth import client_token, passenger_token
from tests.helpers.in_process import Failed, InProcess
from tests.unit.optimizer.conftest import T0, booking, leg

SERVICE = "/rebook.v1.RebookingService"
FIRST, LATER = leg(100, "FRA", "JFK", 60, 480), leg(101, "FRA", "JFK", 300, 480)


@pytest.fixture(autouse=True)
def development(monkeypatch) -> None:
    monkeypatch.setenv("REBOOK_ENV", "development")


@pytest.fixture
def calls() -> InProcess:
    engine = RebookingEngine(OptimizerSettings(k_best=4, time_limit_s=5))
    for flight in (FIRST, LATER):
        engine.apply_flight(flight)
    engine.apply_booking(booking("AAAAA1", (FIRST,), party=2))
    deps = OptimizerDeps(engine, None, OptimizerMetrics(new_registry()), clock=lambda: T0)  # type: ignore[arg-type]
    return InProcess([binding(deps)])


def _cancel(leg_id: str = FIRST.leg_id) -> pb.SimulateRequest:
    event = event_to_proto(FlightEvent("what-if-1", leg_id, T0, Cancellation("what if")))
    return pb.SimulateRequest(events=[event])


def test_simulate_translates_the_plan_and_its_offers(calls) -> None:
    reply = calls.call(f"{SERVICE}/Simulate", _cancel())
    assert (reply.affected_booking_count, reply.affected_passenger_count) == (1, 2)
    assert reply.accommodated_passenger_count == 2
    (offer,) = reply.offers
    assert offer.record_locator == "AAAAA1"
    primary = next(o for o in offer.options if o.option_id == offer.primary_option_id)
    assert [s.leg_id for s in primary.segments] == [LATER.leg_id]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.SimulateRequest(), "events"),
        (pb.SimulateRequest(events=_cancel().events, solver="annealing"), "solver"),
    ],
    ids=["no events", "unknown solver"],
)
def test_bad_requests_are_invalid_argument_naming_the_field(calls, request_, field) -> None:
    with pytest.raises(Failed) as raised:
        calls.call(f"{SERVICE}/Simulate", request_)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(raised.value)] == [field]


def test_unknown_offers_are_not_found_and_callers_are_checked(calls) -> None:
    with pytest.raises(Failed) as missing:
        calls.call(f"{SERVICE}/GetOffer", pb.GetOfferRequest(offer_id="AAAAA1-nope"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(Failed) as passenger:
        calls.call(f"{SERVICE}/Simulate", _cancel(), token=passenger_token("pax-1"))
    assert passenger.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(Failed) as other_airline:
        calls.call(f"{SERVICE}/Simulate", _cancel(), token=client_token(carriers=("XY",)))
    assert other_airline.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(Failed) as anonymous:
        calls.call(f"{SERVICE}/ListOffers", pb.ListOffersRequest(), token="")
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED

"""The detector's servicer in-process (no server, no broker): translation, access and error
codes through the runtime's interceptor.  The integration tests keep the real broker."""

from __future__ import annotations

from dataclasses import replace

import grpc
import pytest

from rebook.detector.app import DetectorConfig, build
from rebook.detector.writer import DetectorWriter
from rebook.domain.convert import leg_to_proto
from rebook.domain.model import Cabin
from rebook.runtime.grpc_errors import field_violations
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceDeps
from rebook.v1 import flight_status_service_pb2 as fss
from tests.helpers.auth import client_token
from tests.helpers.in_process import Failed, InProcess
from tests.unit.detector.test_detector_writer import FakeProducer
from tests.unit.flightops.flightops_helpers import leg, rotation, t

SERVICE = "/rebook.v1.FlightStatusService"
LEGS = rotation()


@pytest.fixture(autouse=True)
def development(monkeypatch) -> None:
    monkeypatch.setenv("REBOOK_ENV", "development")


@pytest.fixture
def detector() -> tuple[InProcess, DetectorWriter, FakeProducer]:
    producer = FakeProducer()
    deps = ServiceDeps("unused:9092", producer, new_registry(), clock=lambda: t(5))  # type: ignore[arg-type]
    service = build(DetectorConfig(), deps)
    assert service.writer is not None
    service.writer.ready.set()  # as after the rebuild from the topics (nothing on them)
    return InProcess(service.bindings), service.writer, producer


def _load(calls: InProcess, legs, **kwargs) -> fss.LoadScheduleResponse:
    request = fss.LoadScheduleRequest(legs=[leg_to_proto(x) for x in legs])
    return calls.call(f"{SERVICE}/LoadSchedule", request, **kwargs)


def test_a_schedule_is_translated_applied_and_published(detector) -> None:
    calls, _, producer = detector
    reply = _load(calls, LEGS)
    assert (reply.created_count, reply.rejected_count) == (len(LEGS), 0)
    assert [m.leg_id for m, _ in producer.legs()] == [x.leg_id for x in LEGS]
    got = calls.call(f"{SERVICE}/GetFlightLeg", fss.GetFlightLegRequest(leg_id=LEGS[0].leg_id))
    assert got.leg.leg_id == LEGS[0].leg_id and got.leg.origin == LEGS[0].origin


def test_bad_input_is_invalid_argument_with_field_violations_and_nothing_applied(detector) -> None:
    calls, writer, producer = detector
    bad = replace(leg("200", "FRA", "VIE", t(15), t(16, 30)), capacity={Cabin.ECONOMY: -5})
    request = fss.LoadScheduleRequest(legs=[leg_to_proto(LEGS[0]), leg_to_proto(bad)], atomic=True)
    with pytest.raises(Failed) as raised:
        calls.call(f"{SERVICE}/LoadSchedule", request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "legs[1].capacity[ECONOMY]" in {f for f, _ in field_violations(raised.value)}
    assert producer.sent == [] and writer.store.get_leg(LEGS[0].leg_id) is None
    with pytest.raises(Failed) as missing:
        calls.call(f"{SERVICE}/GetFlightLeg", fss.GetFlightLegRequest(leg_id=LEGS[0].leg_id))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND and field_violations(missing.value)[0][0] == "leg_id"


def test_callers_are_checked_before_anything_else(detector) -> None:
    calls, _, producer = detector
    with pytest.raises(Failed) as anonymous:
        _load(calls, LEGS, token="")
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(Failed) as other_airline:
        _load(calls, LEGS, token=client_token(carriers=("XY",)))
    assert other_airline.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert producer.sent == []


def test_not_serving_before_the_rebuild(detector) -> None:
    calls, writer, _ = detector
    writer.ready.clear()
    with pytest.raises(Failed) as raised:
        _load(calls, LEGS)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE

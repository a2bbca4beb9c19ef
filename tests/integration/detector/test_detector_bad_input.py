"""Every validation through gRPC: canonical codes with field violations, and nothing applied."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import grpc
import pytest

from rebook.domain.convert import leg_to_proto
from rebook.domain.model import Cabin, LegType
from rebook.flightops import Cancellation, Diversion, EquipmentChange, EstimateChange
from rebook.runtime.grpc_errors import field_violations
from rebook.v1 import flight_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from tests.integration.detector.detector_fixtures import event_message, load, report
from tests.unit.flightops.flightops_helpers import leg, rotation, t

LEGS = rotation()
KNOWN = LEGS[0]
NEW = leg("200", "FRA", "VIE", t(15), t(16, 30), tail="D-AIBB")

BAD_LEGS = {
    "arrival before departure": (replace(NEW, scheduled_arrival=t(14)), "legs[1].scheduled_arrival"),
    "outside the date window": (
        replace(NEW, scheduled_departure=t(15) + timedelta(days=3)),
        "legs[1].scheduled_departure",
    ),
    "unknown airport": (replace(NEW, destination="ZZZ"), "legs[1].destination"),
    "bad carrier": (replace(NEW, carrier="R", leg_id="R200-2026-11-23-FRA"), "legs[1].carrier"),
    "negative capacity": (replace(NEW, capacity={Cabin.ECONOMY: -5}), "legs[1].capacity[ECONOMY]"),
}


@pytest.fixture
def running(detector):
    server = detector.start()
    load(server.stub, LEGS)
    return server


def _state(stub) -> tuple:
    leg_reply = stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=KNOWN.leg_id), timeout=5)
    listed = stub.ListDisruptions(fss.ListDisruptionsRequest(include_withdrawn=True), timeout=5)
    return leg_reply.leg, list(listed.disruptions)


@pytest.mark.parametrize("case", BAD_LEGS, ids=list(BAD_LEGS))
def test_an_atomic_schedule_with_a_bad_leg_is_rejected_whole(detector, running, case) -> None:
    bad, field = BAD_LEGS[case]
    before = _state(running.stub)
    with pytest.raises(grpc.RpcError) as raised:
        load(running.stub, [replace(KNOWN, sold={Cabin.ECONOMY: 1}), bad], atomic=True)  # a valid update first
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {f for f, _ in field_violations(raised.value)}
    assert _state(running.stub) == before, "the valid leg of the batch was not applied either"
    with pytest.raises(grpc.RpcError) as missing:
        running.stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=bad.leg_id), timeout=5)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert field_violations(missing.value)[0][0] == "leg_id"


@pytest.mark.parametrize("case", BAD_LEGS, ids=list(BAD_LEGS))
def test_a_bad_leg_is_refused_alone_and_the_rest_loads(detector, running, case) -> None:
    """Issue 14.8: one bad leg is reported with its index and field violations; the others load."""
    bad, field = BAD_LEGS[case]
    updated = replace(KNOWN, sold={Cabin.ECONOMY: 1})
    other = replace(NEW, flight_number="201", leg_id=NEW.leg_id.replace("200", "201"))
    reply = load(running.stub, [updated, bad, other])
    assert (reply.created_count, reply.updated_count) == (1, 1)
    assert [(r.index, r.id, r.code) for r in reply.rejected] == [(1, bad.leg_id, "INVALID_ARGUMENT")]
    assert field in {v.field for v in reply.rejected[0].violations}
    leg = running.stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=KNOWN.leg_id), timeout=5).leg
    assert [c.sold for c in leg.cabins if c.cabin == Cabin.ECONOMY] == [1]
    assert running.registry.get_sample_value("rebook_detector_legs_rejected_total", {"reason": "INVALID_INPUT"}) == 1


def test_unparseable_leg_fields_are_per_item_violations(running) -> None:
    message = leg_to_proto(NEW)
    message.operating_date = "23.11.2026"
    out_of_range = leg_to_proto(replace(NEW, flight_number="202", leg_id=NEW.leg_id.replace("200", "202")))
    out_of_range.status = 99
    reply = running.stub.LoadSchedule(fss.LoadScheduleRequest(legs=[message, out_of_range]), timeout=5)
    assert [r.index for r in reply.rejected] == [0, 1] and reply.created_count == 0
    assert reply.rejected[0].violations[0].field == "legs[0].operating_date"
    assert reply.rejected[1].violations[0].field == "legs[1].status"
    with pytest.raises(grpc.RpcError) as raised:
        running.stub.LoadSchedule(fss.LoadScheduleRequest(legs=[message], atomic=True), timeout=5)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value)[0][0] == "legs[0].operating_date"


BAD_EVENTS = {
    "unknown leg": ("RB999-2026-11-23-FRA", Cancellation(), grpc.StatusCode.NOT_FOUND, "event.leg_id"),
    "arrival before departure": (
        KNOWN.leg_id,
        EstimateChange(departure=t(8), arrival=t(7)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "event.estimate.arrival",
    ),
    "outside the date window": (
        KNOWN.leg_id,
        EstimateChange(departure=t(6) + timedelta(days=4)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "event.estimate.departure",
    ),
    "unknown airport": (KNOWN.leg_id, Diversion("ZZZ"), grpc.StatusCode.INVALID_ARGUMENT, "event.diversion.airport"),
    "negative capacity": (
        KNOWN.leg_id,
        EquipmentChange("D-AIXX", "A320", {Cabin.ECONOMY: -1}),
        grpc.StatusCode.INVALID_ARGUMENT,
        "event.equipment_change.capacity[ECONOMY]",
    ),
}


@pytest.mark.parametrize("case", BAD_EVENTS, ids=list(BAD_EVENTS))
def test_bad_event_is_rejected_and_changes_nothing(detector, running, case) -> None:
    leg_id, change, code, field = BAD_EVENTS[case]
    before, published = _state(running.stub), detector.published()
    with pytest.raises(grpc.RpcError) as raised:
        report(running.stub, "ev-bad", leg_id, change, t(4))
    assert raised.value.code() == code
    assert field in {f for f, _ in field_violations(raised.value)}
    assert _state(running.stub) == before
    assert detector.published() == published
    reason = "NOT_FOUND" if code == grpc.StatusCode.NOT_FOUND else "INVALID_INPUT"
    assert running.registry.get_sample_value("rebook_detector_events_rejected_total", {"reason": reason}) == 1
    # The id of a rejected event is not burnt: the corrected event is applied.
    assert report(running.stub, "ev-bad", KNOWN.leg_id, EstimateChange(departure=t(6, 5)), t(4)).applied


def test_event_without_change_or_time_is_invalid_argument(running) -> None:
    message = fss.ReportFlightEventRequest().event
    message.event_id, message.leg_id = "ev-empty", KNOWN.leg_id
    with pytest.raises(grpc.RpcError) as raised:
        running.stub.ReportFlightEvent(fss.ReportFlightEventRequest(event=message), timeout=5)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {f for f, _ in field_violations(raised.value)} == {"event.event_time", "event.change"}


def test_batch_reports_each_event_whole_or_rejected(detector, running) -> None:
    events = [
        event_message("ev-b1", KNOWN.leg_id, EstimateChange(departure=t(8)), t(4)),
        event_message("ev-b2", "RB999-2026-11-23-FRA", Cancellation(), t(4)),
        event_message("ev-b3", KNOWN.leg_id, Diversion("ZZZ"), t(4)),
        event_message("ev-b4", LEGS[3].leg_id, Cancellation("crew"), t(4)),
    ]
    reply = running.stub.ReportFlightEvents(fss.ReportFlightEventsRequest(events=events), timeout=10)
    outcome = [(r.event_id, r.applied, r.error_code) for r in reply.results]
    assert outcome == [
        ("ev-b1", True, ""),
        ("ev-b2", False, "NOT_FOUND"),
        ("ev-b3", False, "INVALID_ARGUMENT"),
        ("ev-b4", True, ""),
    ]
    assert "diversion.airport" in reply.results[2].error_message
    assert reply.disruption_count == sum(detector.published().values())


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (fss.ListDisruptionsRequest(carrier="rb!"), "carrier"),
        (fss.ListDisruptionsRequest(airport="ZZZ"), "airport"),
        (
            fss.ListDisruptionsRequest(
                start_time=leg_to_proto(NEW).scheduled_arrival_time, end_time=leg_to_proto(NEW).scheduled_departure_time
            ),
            "end_time",
        ),
    ],
)
def test_bad_filters_are_invalid_argument(running, request_, field) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        running.stub.ListDisruptions(request_, timeout=5)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value)[0][0] == field


def test_list_filters_by_carrier_airport_and_time(running) -> None:
    report(running.stub, "ev-c", LEGS[3].leg_id, Cancellation("crew"), t(4))  # MUC-FRA, known at t(5)
    listed = running.stub.ListDisruptions
    assert len(listed(fss.ListDisruptionsRequest(carrier="RB", airport="MUC"), timeout=5).disruptions) == 1
    assert not listed(fss.ListDisruptionsRequest(carrier="XY"), timeout=5).disruptions
    assert not listed(fss.ListDisruptionsRequest(airport="BER"), timeout=5).disruptions
    later = fss.ListDisruptionsRequest(start_time=leg_to_proto(KNOWN).scheduled_departure_time)  # 06:00 > 05:00
    assert not listed(later, timeout=5).disruptions


def test_identifiers_of_a_real_export_load_through_grpc(running) -> None:
    """Issue 14.8: what a real export carries loads; an unknown station without a zone is refused alone."""
    real = [
        leg("10234", "FRA", "BRU", t(15), t(16, 10), tail="A318#1"),
        leg(
            "9001",
            "BRU",
            "ZYR",
            t(17),
            t(17, 20),
            tail="",
            capacity={},
            sold={},
            leg_type=LegType.RAIL,
            destination_zone="Europe/Brussels",
        ),
        leg("9002", "BRU", "XDB", t(17), t(18), tail="", capacity={}, sold={}, leg_type=LegType.RAIL),
    ]
    reply = load(running.stub, real)
    assert reply.created_count == 2
    assert [(r.index, [v.field for v in r.violations]) for r in reply.rejected] == [(2, ["legs[2].destination"])]
    train = running.stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=real[1].leg_id), timeout=5).leg
    assert (train.leg_type, train.destination_time_zone, list(train.cabins)) == (
        flight_pb2.LEG_TYPE_RAIL,
        "Europe/Brussels",
        [],
    )

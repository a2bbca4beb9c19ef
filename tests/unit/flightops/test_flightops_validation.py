"""Bad input is rejected whole, with every field violation, and leaves the state untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from rebook.domain.errors import NotFoundError, ValidationError
from rebook.domain.model import Cabin, FlightLeg, LegType, make_leg_id
from rebook.flightops import (
    ActualTimes,
    Cancellation,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    FlightStateStore,
    validate_schedule,
)
from tests.unit.flightops.flightops_helpers import DAY, event, leg, loaded, rotation, snapshot, t

GOOD = rotation()[3]
L3 = GOOD.leg_id


def _fields(error: ValidationError) -> set[str]:
    return {v.field for v in error.violations}


def _relabel(bad: FlightLeg, **changes: object) -> FlightLeg:
    """``bad`` with ``changes``, its leg id kept canonical so only the change is wrong."""
    new = replace(bad, **changes)
    return replace(new, leg_id=make_leg_id(new.carrier, new.flight_number, new.operating_date, new.origin))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"origin": "XXX"}, "legs[1].origin"),
        ({"destination": "zz1"}, "legs[1].destination"),
        ({"carrier": "R"}, "legs[1].carrier"),
        ({"carrier": "12"}, "legs[1].carrier"),
        ({"carrier": "rb!"}, "legs[1].carrier"),
        ({"flight_number": "123456"}, "legs[1].flight_number"),
        ({"flight_number": "12A3"}, "legs[1].flight_number"),
        ({"origin": "ZYR"}, "legs[1].origin"),  # a real station, but no time zone given
        ({"origin": "ZYR", "origin_zone": "Mars/Olympus"}, "legs[1].origin_time_zone"),
        ({"scheduled_arrival": t(5)}, "legs[1].scheduled_arrival"),  # before departure
        ({"scheduled_departure": t(6, day=DAY + timedelta(days=2))}, "legs[1].scheduled_departure"),
        ({"scheduled_arrival": t(1, day=DAY + timedelta(days=3))}, "legs[1].scheduled_arrival"),
        ({"scheduled_departure": datetime(2026, 11, 23, 6)}, "legs[1].scheduled_departure"),  # naive
        ({"capacity": {Cabin.ECONOMY: -1}}, "legs[1].capacity[ECONOMY]"),
        ({"sold": {Cabin.BUSINESS: -3}}, "legs[1].sold[BUSINESS]"),
        ({"capacity": {}}, "legs[1].capacity"),
        ({"min_turn": timedelta(minutes=-5)}, "legs[1].min_turn"),
        ({"tail_number": "d aiaa"}, "legs[1].tail_number"),
    ],
)
def test_bad_schedule_leg_is_rejected_and_nothing_loaded(changes: dict, field: str) -> None:
    store = loaded()
    before = snapshot(store)
    new_leg = leg("300", "FRA", "VIE", t(14), t(15))
    with pytest.raises(ValidationError) as caught:
        store.load_schedule([new_leg, _relabel(new_leg, **changes)], t(5))
    assert field in _fields(caught.value)
    assert snapshot(store) == before and store.get_leg(new_leg.leg_id) is None


def test_schedule_reports_all_violations_duplicates_and_bad_ids() -> None:
    good = leg("300", "FRA", "VIE", t(14), t(15))
    many = _relabel(good, origin="XXX", carrier="R", capacity={Cabin.ECONOMY: -1})
    with pytest.raises(ValidationError) as caught:
        validate_schedule([good, many, good, replace(good, leg_id="nonsense")])
    assert {
        "legs[1].origin",
        "legs[1].carrier",
        "legs[1].capacity[ECONOMY]",
        "legs[2].leg_id",
        "legs[3].leg_id",
    } <= _fields(caught.value)


def test_identifiers_real_feeds_carry_are_valid() -> None:
    """Issue 14.8: refused whole before — 5-digit internal flight numbers, an operator's aircraft
    id for a tail, a rail station the airport table lacks (with its zone), a train without seat
    inventory."""
    train = leg(
        "9001",
        "BRU",
        "ZYR",
        t(10),
        t(10, 20),
        tail="",
        capacity={},
        sold={},
        leg_type=LegType.RAIL,
        destination_zone="Europe/Brussels",
    )
    validate_schedule(
        [
            leg("10234", "FRA", "BRU", t(6), t(7), tail="A318#1"),
            leg("1023A", "BRU", "FRA", t(8), t(9), tail="320/05"),
            train,
        ]
    )
    with pytest.raises(ValidationError) as caught:  # an aircraft still needs seats
        validate_schedule([replace(train, leg_type=LegType.FLIGHT)])
    assert _fields(caught.value) == {"legs[0].capacity"}


def test_icao_and_alphanumeric_iata_carriers_are_valid() -> None:
    for carrier in ("DLH", "9W", "U2"):
        validate_schedule([leg("1", "FRA", "LHR", t(6), t(7), carrier=carrier)])


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (FlightEvent("", L3, t(5), Cancellation()), "event.event_id"),
        (FlightEvent("e", L3, datetime(2026, 11, 23, 5), Cancellation()), "event.event_time"),
        (FlightEvent("e", L3, t(5), "CNL"), "event.change"),  # type: ignore[arg-type]
        (event(L3, EstimateChange()), "event.estimate"),
        (event(L3, EstimateChange(departure=t(12), arrival=t(11))), "event.estimate.arrival"),
        (event(L3, EstimateChange(arrival=t(11, 30))), "event.estimate.arrival"),  # before sched dep
        (event(L3, EstimateChange(departure=t(6, day=DAY + timedelta(days=2)))), "event.estimate.departure"),
        (event(L3, EstimateChange(departure=t(12) - timedelta(days=2))), "event.estimate.departure"),
        (event(L3, Diversion("XXX")), "event.diversion.airport"),
        (event(L3, Diversion("zz1")), "event.diversion.airport"),
        (event(L3, Diversion("MUC")), "event.diversion.airport"),  # its own origin
        (event(L3, EquipmentChange("D-AIXX", "A320", {Cabin.ECONOMY: -1})), "event.equipment_change.capacity[ECONOMY]"),
        (event(L3, EquipmentChange("", "A320", {Cabin.ECONOMY: 10})), "event.equipment_change.tail_number"),
        (event(L3, ActualTimes()), "event.actuals"),
        (event(L3, ActualTimes(off_block=t(12, 10), takeoff=t(12))), "event.actuals.takeoff"),
    ],
)
def test_bad_event_is_rejected_and_state_untouched(bad: FlightEvent, field: str) -> None:
    store = loaded()
    store.apply(event(L3, EstimateChange(departure=t(12, 30))), t(5))
    before = snapshot(store)
    with pytest.raises(ValidationError) as caught:
        store.apply(bad, t(6))
    assert field in _fields(caught.value)
    assert snapshot(store) == before
    # A rejected id is not remembered: the corrected event with the same id still applies.
    if bad.event_id:
        assert store.apply(replace(bad, change=Cancellation(), event_time=t(6)), t(6)).applied


def test_unknown_leg_is_not_found() -> None:
    store = loaded()
    before = snapshot(store)
    with pytest.raises(NotFoundError) as caught:
        store.apply(event("RB999-2026-11-23-FRA", Cancellation()), t(5))
    assert caught.value.field == "event.leg_id"
    assert snapshot(store) == before


def test_events_on_a_cancelled_leg_need_a_reinstatement_first() -> None:
    store = loaded()
    store.apply(event(L3, Cancellation()), t(5))
    before = snapshot(store)
    with pytest.raises(ValidationError) as caught:
        store.apply(event(L3, EstimateChange(departure=t(12, 30))), t(6))
    assert "event.estimate" in _fields(caught.value)
    assert snapshot(store) == before


def test_a_non_atomic_load_applies_the_valid_legs_and_reports_each_bad_one() -> None:
    """Issue 14.8: one bad leg is refused alone (by position, with its violations)."""
    good = leg("300", "FRA", "VIE", t(15), t(16, 30), tail="D-AIBB")
    bad = replace(good, flight_number="301", leg_id=good.leg_id.replace("300", "301"), destination="ZZZ")
    store = FlightStateStore()
    result = store.load_schedule([good, bad, good], t(5), atomic=False, paths=["legs[0]", "legs[4]", "legs[7]"])
    assert result.created == 1 and store.get_leg(good.leg_id) is not None and store.get_leg(bad.leg_id) is None
    assert sorted(result.rejected) == [1, 2]
    assert [v.field for v in result.rejected[1].violations] == ["legs[4].destination"]
    assert [v.description for v in result.rejected[2].violations] == ["duplicates legs[0]"]
    with pytest.raises(ValidationError):
        FlightStateStore().load_schedule([good, bad], t(5))  # atomic by default for internal callers

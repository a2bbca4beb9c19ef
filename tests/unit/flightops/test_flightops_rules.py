"""One test per disruption rule: cancellation, reinstatement, delay, diversion, down-gauge."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightLeg, FlightStatus
from rebook.flightops import Cancellation, Diversion, EquipmentChange, EstimateChange, Reinstatement
from rebook.flightops.records import replace
from rebook.flightops.rules import Carry, RotationView
from tests.unit.flightops.flightops_helpers import announced, by_id, did, event, leg, loaded, rotation, t

CNL, DLY, DIV, DNG, RISK = (
    DisruptionKind.CANCELLATION,
    DisruptionKind.DELAY,
    DisruptionKind.DIVERSION,
    DisruptionKind.DOWNGAUGE,
    DisruptionKind.ROTATION_AT_RISK,
)


def test_cancellation_emits_disruption_and_bumps_leg_version() -> None:
    store = loaded()
    a = rotation()[3]  # last leg: nothing downstream
    result = store.apply(event(a.leg_id, Cancellation("WX ground stop")), t(5, 30))
    assert [x.status for x in result.legs] == [FlightStatus.CANCELLED]
    assert result.legs[0].version == 2
    (d,) = result.disruptions
    assert (d.disruption_id, d.version, d.kind, d.carrier) == (did(CNL, a.leg_id), 1, CNL, "RB")
    assert (d.cause, d.known_time, d.withdrawn, d.predicted) == ("WX ground stop", t(5, 30), False, False)
    assert d.old_departure == a.scheduled_departure


def test_reinstatement_withdraws_cancellation_and_rotation_risk() -> None:
    store = loaded()
    legs = rotation()
    cancelled = by_id(store.apply(event(legs[1].leg_id, Cancellation("crew")), t(5)).disruptions)
    assert set(cancelled) == {did(CNL, legs[1].leg_id), did(RISK, legs[2].leg_id), did(RISK, legs[3].leg_id)}
    risk = cancelled[did(RISK, legs[3].leg_id)]
    assert risk.predicted and risk.cause_leg_id == legs[1].leg_id

    result = by_id(store.apply(event(legs[1].leg_id, Reinstatement()), t(6)).disruptions)
    assert set(result) == set(cancelled)
    assert all(d.withdrawn and d.version == 2 and d.known_time == t(6) for d in result.values())
    assert result[did(CNL, legs[1].leg_id)].kind == CNL  # withdrawal, not a REINSTATEMENT kind
    assert store.get_leg(legs[1].leg_id).status == FlightStatus.SCHEDULED


def test_delay_threshold_update_and_withdrawal() -> None:
    a = rotation()[3]
    store = loaded()
    (minor,) = store.apply(event(a.leg_id, EstimateChange(departure=t(12, 14))), t(5)).disruptions
    assert (minor.kind, minor.version, minor.below_threshold) == (DLY, 1, True)  # 14m: unannounced
    (v1,) = store.apply(event(a.leg_id, EstimateChange(departure=t(12, 15))), t(6)).disruptions
    assert (v1.kind, v1.version, v1.predicted, v1.below_threshold) == (DLY, 2, False, False)
    assert (v1.new_departure, v1.new_arrival) == (t(12, 15), t(13, 15))  # ETD alone moves the ETA
    (v2,) = store.apply(event(a.leg_id, EstimateChange(departure=t(12, 40))), t(7)).disruptions
    assert (v2.version, v2.new_departure, v2.known_time) == (3, t(12, 40), t(7))
    recovered = EstimateChange(departure=t(12, 5), arrival=t(13, 5))
    (v3,) = store.apply(event(a.leg_id, recovered), t(8)).disruptions
    assert (v3.version, v3.withdrawn, v3.below_threshold) == (4, False, True)  # 5m late remains
    on_time = EstimateChange(departure=a.scheduled_departure, arrival=a.scheduled_arrival)
    (v4,) = store.apply(event(a.leg_id, on_time), t(9)).disruptions
    assert (v4.version, v4.withdrawn) == (5, True)


def test_arrival_only_delay_and_per_carrier_threshold() -> None:
    rb = leg("7", "FRA", "LHR", t(6), t(7), tail="")
    xr = leg("8", "FRA", "LHR", t(6), t(7), tail="", carrier="XR")
    store = loaded([rb, xr], delay_threshold_by_carrier={"XR": timedelta(minutes=30)})
    (d,) = store.apply(event(rb.leg_id, EstimateChange(arrival=t(7, 20))), t(5)).disruptions
    assert d.kind == DLY and d.new_arrival == t(7, 20) and d.new_departure == t(6)
    assert announced(store.apply(event(xr.leg_id, EstimateChange(arrival=t(7, 20))), t(5)).disruptions) == []
    (d,) = store.apply(event(xr.leg_id, EstimateChange(arrival=t(7, 30))), t(5)).disruptions
    assert d.carrier == "XR"


def test_diversion() -> None:
    a = rotation()[3]
    store = loaded()
    (d,) = store.apply(event(a.leg_id, Diversion("NUE")), t(13)).disruptions
    assert (d.kind, d.diverted_to, d.disruption_id) == (DIV, "NUE", did(DIV, a.leg_id))
    assert store.get_leg(a.leg_id).status == FlightStatus.DIVERTED


def test_downgauge_only_when_capacity_below_sold() -> None:
    a = rotation()[3]  # sold 120 Y / 10 J on 150 Y / 20 J
    store = loaded()
    smaller = EquipmentChange("D-AIBB", "A319", {Cabin.ECONOMY: 124, Cabin.BUSINESS: 12})
    fits = store.apply(event(a.leg_id, smaller), t(5))
    assert fits.disruptions == [] and fits.legs[0].capacity[Cabin.ECONOMY] == 124

    small = EquipmentChange("D-AICC", "E195", {Cabin.ECONOMY: 100, Cabin.BUSINESS: 12})
    (d,) = store.apply(event(a.leg_id, small), t(6)).disruptions
    assert (d.kind, d.version) == (DNG, 1)
    assert d.old_capacity == {Cabin.ECONOMY: 124, Cabin.BUSINESS: 12}
    assert d.new_capacity == {Cabin.ECONOMY: 100, Cabin.BUSINESS: 12}

    no_business = EquipmentChange("D-AIDD", "E190", {Cabin.ECONOMY: 100})
    (d2,) = store.apply(event(a.leg_id, no_business), t(7)).disruptions
    assert d2.version == 2 and d2.old_capacity == d.old_capacity and d2.new_capacity == {Cabin.ECONOMY: 100}

    big = EquipmentChange("D-AIEE", "A321", {Cabin.ECONOMY: 190, Cabin.BUSINESS: 28})
    (d3,) = store.apply(event(a.leg_id, big), t(8)).disruptions
    assert d3.withdrawn and d3.version == 3


def test_unchanged_situation_emits_nothing() -> None:
    a = rotation()[3]
    store = loaded()
    store.apply(event(a.leg_id, EstimateChange(departure=t(12, 30))), t(5))
    # A different change that leaves the delay situation as it was: arrival restated.
    again = store.apply(event(a.leg_id, EstimateChange(departure=t(12, 30), arrival=t(13, 30))), t(6))
    assert again.legs == [] and again.disruptions == []
    store.apply(event(a.leg_id, Diversion("NUE")), t(7))
    assert store.apply(event(a.leg_id, Diversion("NUE"), at=t(8)), t(8)).disruptions == []


def test_core_replace_is_dataclasses_replace() -> None:
    base = rotation()[0]
    cancelled = {"status": FlightStatus.CANCELLED, "diverted_to": "MUC"}
    for changes in ({}, {"version": 7}, cancelled, {"min_turn": timedelta(0)}):
        assert replace(base, **changes) == dataclasses.replace(base, **changes)
        assert type(replace(base, **changes)) is FlightLeg
    version = Disruption("DELAY:x", 1, DisruptionKind.DELAY, "RB", ("x",), t(5))
    assert replace(version, version=2, withdrawn=True) == dataclasses.replace(version, version=2, withdrawn=True)
    assert replace(RotationView(), carry=Carry(arrival=t(6))) == RotationView(carry=Carry(arrival=t(6)))
    with pytest.raises(TypeError):
        replace(base, no_such_field=1)


def test_overbooking_is_not_a_downgauge() -> None:
    """Issue 18.4: sold above an unchanged capacity is overbooking; only an equipment change
    that takes away sold seats is a down-gauge."""
    over = leg("9", "FRA", "LHR", t(6), t(7), tail="", sold={Cabin.ECONOMY: 160, Cabin.BUSINESS: 10})
    store = loaded([over])
    assert [d for d in store.disruptions() if d.kind == DNG] == []
    smaller = EquipmentChange("D-AIBB", "A319", {Cabin.ECONOMY: 140, Cabin.BUSINESS: 20})
    (d,) = store.apply(event(over.leg_id, smaller), t(5)).disruptions
    assert d.kind == DNG and d.old_capacity[Cabin.ECONOMY] == 150 and d.new_capacity[Cabin.ECONOMY] == 140

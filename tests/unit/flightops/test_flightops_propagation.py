"""Knock-on delays along an aircraft rotation, and rotations at risk after a cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta

from rebook.domain.model import Cabin, Disruption, DisruptionKind
from rebook.flightops import (
    ActualTimes,
    Cancellation,
    EquipmentChange,
    EstimateChange,
    FlightStateStore,
    Reinstatement,
)
from tests.unit.flightops.flightops_helpers import DAY, announced, by_id, did, event, leg, loaded, rotation, t

DLY, RISK = DisruptionKind.DELAY, DisruptionKind.ROTATION_AT_RISK
L0, L1, L2, L3 = (x.leg_id for x in rotation())


def _late_inbound(store: FlightStateStore, arrival: datetime) -> dict[str, Disruption]:
    return by_id(store.apply(event(L0, EstimateChange(arrival=arrival)), t(5)).disruptions)


def test_delay_propagates_until_slack_absorbs_it() -> None:
    store = loaded()
    out = _late_inbound(store, t(7, 40))  # 40m late; slack 5, 15, 25
    assert set(out) == {did(DLY, L0), did(DLY, L1), did(DLY, L2)}
    assert not out[did(DLY, L0)].predicted
    d1, d2 = out[did(DLY, L1)], out[did(DLY, L2)]
    assert d1.predicted and d1.cause_leg_id == L0
    assert (d1.new_departure, d1.new_arrival) == (t(8, 25), t(9, 25))
    assert d2.predicted and d2.cause_leg_id == L0
    assert (d2.new_departure, d2.new_arrival) == (t(10, 10), t(11, 10))
    assert store.view(L3).prediction is None  # 11:10 + 45m = 11:55 < 12:00


def test_predictions_update_then_withdraw_when_inbound_recovers() -> None:
    store = loaded()
    _late_inbound(store, t(7, 40))
    out = _late_inbound(store, t(7, 20))  # now 20m late: L1 15m late, L2 absorbed
    assert out[did(DLY, L1)].version == 2 and out[did(DLY, L1)].new_departure == t(8, 5)
    assert out[did(DLY, L2)].withdrawn and out[did(DLY, L2)].version == 2
    out = _late_inbound(store, t(7, 5))
    assert out[did(DLY, L1)].withdrawn and did(DLY, L2) not in out
    (minor,) = store.disruptions()  # L0's 5 minutes stay published for connections, unannounced
    assert minor.disruption_id == did(DLY, L0) and minor.below_threshold


def test_predicted_delay_below_threshold_still_carries_downstream() -> None:
    store = loaded(delay_threshold_default=timedelta(minutes=30))
    out = _late_inbound(store, t(7, 30))  # L1 25m late (< 30 threshold), L2 10m, L3 absorbed
    assert {d.disruption_id for d in announced(list(out.values()))} == {did(DLY, L0)}
    assert out[did(DLY, L1)].below_threshold and out[did(DLY, L1)].predicted  # for connections
    assert store.view(L1).prediction.departure == t(8, 15)
    assert store.view(L2).prediction.departure == t(10, 0)
    assert store.view(L3).prediction is None


def test_later_airline_estimate_wins_over_prediction() -> None:
    store = loaded()
    store.apply(event(L1, EstimateChange(departure=t(9))), t(5))  # airline: 70m late
    out = _late_inbound(store, t(7, 40))  # prediction 08:25 is earlier: keep the airline's
    assert did(DLY, L1) not in out
    reported = store.get_disruption(did(DLY, L1))
    assert not reported.predicted and reported.new_departure == t(9)
    # L2 is pushed by L1's reported lateness: its cause is L1.
    d2 = store.get_disruption(did(DLY, L2))
    assert d2.predicted and d2.cause_leg_id == L1 and d2.new_departure == t(10, 45)


def test_prediction_later_than_airline_estimate_turns_reported_delay_predicted() -> None:
    store = loaded()
    (reported,) = announced(store.apply(event(L1, EstimateChange(departure=t(8, 10))), t(5)).disruptions)
    out = _late_inbound(store, t(8, 0))  # ready 08:45 > 08:10
    d1 = out[did(DLY, L1)]
    assert (d1.version, d1.predicted, d1.new_departure) == (reported.version + 1, True, t(8, 45))
    assert store.get_leg(L1).estimated_departure == t(8, 10)  # predictions never rewrite the leg


def test_min_turn_by_aircraft_type_and_leg_override() -> None:
    store = loaded(min_turn_by_aircraft_type={"A320": timedelta(minutes=60)})
    assert store.view(L1).prediction.departure == t(8)  # 07:00 + 60m > 07:50
    legs = rotation()
    legs[1] = leg("101", "BER", "FRA", t(7, 50), t(8, 50), min_turn=timedelta(minutes=30))
    store = loaded(legs, min_turn_by_aircraft_type={"A320": timedelta(minutes=60)})
    assert store.view(L1).prediction is None


def test_departed_leg_is_not_predicted() -> None:
    store = loaded()
    store.apply(event(L1, ActualTimes(off_block=t(7, 50))), t(7, 50))
    assert did(DLY, L1) not in _late_inbound(store, t(7, 40))


def test_cancellation_puts_same_day_rotation_at_risk_until_swap() -> None:
    tomorrow = DAY + timedelta(days=1)
    legs = [*rotation(), leg("104", "FRA", "BER", t(6, day=tomorrow), t(7, day=tomorrow), day=tomorrow)]
    store = loaded(legs)
    out = by_id(store.apply(event(L1, Cancellation("tech")), t(5)).disruptions)
    assert set(out) == {did(DisruptionKind.CANCELLATION, L1), did(RISK, L2), did(RISK, L3)}
    assert all(out[did(RISK, x)].predicted and out[did(RISK, x)].cause_leg_id == L1 for x in (L2, L3))

    swap = EquipmentChange("D-AIZZ", "A320", {Cabin.ECONOMY: 150, Cabin.BUSINESS: 20})
    (withdrawn,) = store.apply(event(L2, swap), t(5, 10)).disruptions
    assert withdrawn.disruption_id == did(RISK, L2) and withdrawn.withdrawn
    assert [x.leg_id for x in store.rotation("D-AIZZ")] == [L2]
    assert not store.get_disruption(did(RISK, L3)).withdrawn  # L3 still waits for D-AIAA

    out = by_id(store.apply(event(L1, Reinstatement()), t(5, 20)).disruptions)
    assert out[did(RISK, L3)].withdrawn and out[did(DisruptionKind.CANCELLATION, L1)].withdrawn


def test_late_inbound_after_tail_swap_propagates_on_the_new_rotation() -> None:
    other = [
        leg("200", "HAM", "FRA", t(8), t(9), tail="D-AIZZ"),
        leg("201", "FRA", "HAM", t(10), t(11), tail="D-AIZZ"),
    ]
    store = loaded([*rotation(), *other])
    store.apply(event(other[0].leg_id, EstimateChange(arrival=t(10))), t(5))
    assert store.get_disruption(did(DLY, other[1].leg_id)).new_arrival == t(11, 45)
    # The late aircraft now flies L3 too (12:00): 11:45 + 45m > 12:00.
    swap = EquipmentChange("D-AIZZ", "A320", {Cabin.ECONOMY: 150, Cabin.BUSINESS: 20})
    out = by_id(store.apply(event(L3, swap), t(5, 10)).disruptions)
    assert out[did(DLY, L3)].cause_leg_id == other[0].leg_id
    assert out[did(DLY, L3)].new_departure == t(12, 30)


def test_cancelled_round_trip_leaves_the_aircraft_in_position() -> None:
    """Issue 14.3: FRA→BER→FRA cancelled, the aircraft never left FRA: FRA→MUC→FRA fly."""
    store = loaded()
    store.apply(event(L0, Cancellation("wx")), t(5))
    at_risk = {d.leg_ids[0] for d in store.disruptions() if d.kind == RISK}
    assert at_risk == {L1}  # the aircraft stays at FRA: only the leg out of BER is at risk
    store.apply(event(L1, Cancellation("wx")), t(5, 1))
    assert [d for d in store.disruptions() if d.kind == RISK] == []
    assert store.get_disruption(did(RISK, L1)) is None or store.get_disruption(did(RISK, L1)).withdrawn


def test_out_of_position_only_until_the_rotation_returns_to_the_aircraft() -> None:
    """Only BER→FRA cancelled: the aircraft stays at BER; FRA→MUC and MUC→FRA are at risk."""
    legs = [*rotation(), leg("104", "BER", "FRA", t(14), t(15))]
    store = loaded(legs)
    store.apply(event(L1, Cancellation("tech")), t(5))
    at_risk = {d.leg_ids[0] for d in store.disruptions() if d.kind == RISK}
    assert at_risk == {L2, L3}  # the 14:00 from BER, where the aircraft stands, flies

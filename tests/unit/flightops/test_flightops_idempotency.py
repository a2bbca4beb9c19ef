"""Replays change nothing: same id, same content, stale events, and after a restore."""

from __future__ import annotations

from datetime import datetime, timedelta

from rebook.domain.model import Cabin, Disruption, FlightLeg
from rebook.flightops import (
    Cancellation,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    FlightStateStore,
    Reinstatement,
    replay,
)
from rebook.tooling.sim.generator.detector_day import make_day_schedule, make_event_stream
from tests.unit.flightops.flightops_helpers import event, leg, loaded, rotation, snapshot, t

L0, L1, L2, L3 = (x.leg_id for x in rotation())


def test_same_event_id_is_a_duplicate() -> None:
    store = loaded()
    first = event(L0, EstimateChange(arrival=t(7, 40)))
    assert store.apply(first, t(5)).disruptions
    before = snapshot(store)
    again = store.apply(first, t(6))
    assert again.duplicate and not again.applied and again.legs == [] and again.disruptions == []
    assert snapshot(store) == before


def test_same_content_under_another_id_changes_nothing() -> None:
    store = loaded()
    store.apply(event(L0, EstimateChange(arrival=t(7, 40))), t(5))
    before = snapshot(store)
    again = store.apply(event(L0, EstimateChange(arrival=t(7, 40))), t(6))
    assert again.applied and again.legs == [] and again.disruptions == []
    assert snapshot(store) == before


def test_stale_event_of_the_same_kind_is_ignored() -> None:
    store = loaded()
    store.apply(event(L3, EstimateChange(departure=t(12, 40)), at=t(6)), t(6))
    before = snapshot(store)
    old = store.apply(event(L3, EstimateChange(departure=t(12, 20)), at=t(5)), t(7))
    assert old.stale and old.disruptions == []
    assert snapshot(store) == before
    # Another kind of change is not superseded by the estimate.
    assert store.apply(event(L3, Cancellation(), at=t(5)), t(7)).disruptions


def test_reloading_the_same_schedule_changes_nothing_and_reload_updates() -> None:
    store = loaded()
    store.apply(event(L3, EstimateChange(departure=t(12, 40))), t(5))
    before = snapshot(store)
    same = store.load_schedule(rotation(), t(6))
    assert (same.created, same.updated, same.unchanged, same.disruptions) == (0, 0, 4, [])
    assert snapshot(store) == before
    changed = rotation()
    changed[3] = leg("103", "MUC", "FRA", t(12), t(13), sold={Cabin.ECONOMY: 160, Cabin.BUSINESS: 10})
    result = store.load_schedule(changed, t(7))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    (updated,) = result.legs
    assert updated.version == 3 and updated.estimated_departure == t(12, 40)  # estimate kept
    assert result.disruptions == []  # 160 sold on 150 seats is overbooking, not a down-gauge (18.4)


def _published(
    store: FlightStateStore, events: list[FlightEvent], start: datetime
) -> tuple[list[FlightLeg], list[Disruption]]:
    legs, disruptions = {x.leg_id: x for x in store.legs()}, []
    for i, e in enumerate(events):
        result = store.apply(e, start + timedelta(minutes=i))
        legs.update((x.leg_id, x) for x in result.legs)
        disruptions.extend(result.disruptions)
    return list(legs.values()), disruptions


def test_restore_then_replay_emits_no_duplicates() -> None:
    store = loaded()
    swap = EquipmentChange("D-AIZZ", "A320", {Cabin.ECONOMY: 100})
    events = [
        event(L0, EstimateChange(arrival=t(7, 40)), at=t(5)),
        event(L1, Cancellation("crew"), at=t(5, 1)),
        event(L1, Reinstatement(), at=t(5, 2)),
        event(L2, swap, at=t(5, 3)),
        event(L1, Cancellation("crew"), at=t(5, 4)),
    ]
    legs, disruptions = _published(store, events, t(5))
    restored = FlightStateStore(store.settings)
    assert restored.restore(legs, disruptions, t(6)) == []
    assert snapshot(restored) == snapshot(store)
    # Each leg's latest event comes back with its id forgotten: a no-op by content.
    for e in (events[0], events[3], events[4]):
        result = restored.apply(e, t(7))
        assert result.legs == [] and result.disruptions == []
    # With the applied events handed over, older ones are no-ops too.
    full = FlightStateStore(store.settings)
    assert full.restore(legs, disruptions, t(6), applied_events=events) == []
    assert all(not full.apply(e, t(7)).applied for e in events)
    assert snapshot(full) == snapshot(store)


def test_restore_heals_disruptions_lost_in_a_crash() -> None:
    store = loaded()
    legs, _ = _published(store, [event(L3, Cancellation("wx"))], t(5))
    (healed,) = FlightStateStore().restore(legs, [], t(6))
    assert healed.disruption_id == f"CANCELLATION:{L3}" and healed.version == 1


def test_replay_orders_events_and_collects_invalid_ones() -> None:
    bad = event("RB999-2026-11-23-FRA", Cancellation(), at=t(5, 30))
    late = event(L0, EstimateChange(arrival=t(7, 10)), at=t(6))
    early = event(L0, EstimateChange(arrival=t(7, 40)), at=t(5))
    result = replay(rotation(), [late, bad, early])
    assert [e for e, _ in result.rejected] == [bad]
    assert result.legs[L0].estimated_arrival == t(7, 10)  # the later estimate won
    # 10m late: below threshold, so only the connection-relevant retiming of L0 (and L1) stays.
    current = result.current()
    assert all(d.below_threshold for d in current.values()) and f"DELAY:{L0}" in current
    # 40m late first: DELAY on L0 and predicted on L1, L2; then all three withdrawn.
    stream = sorted((d.disruption_id, d.version, d.withdrawn) for d in result.disruptions if d.version < 3)
    assert stream[:2] == [(f"DELAY:{L0}", 1, False), (f"DELAY:{L0}", 2, False)]  # 40m, then 10m below
    assert (f"DELAY:{L2}", 2, True) in stream  # the prediction that no longer holds is withdrawn


def test_bench_stream_replay_is_deterministic_and_valid() -> None:
    schedule = make_day_schedule(120, seed=3)
    events = make_event_stream(schedule, 600, seed=3)
    first, second = replay(schedule, events), replay(schedule, events)
    assert first.rejected == [] and first.legs == second.legs and first.disruptions == second.disruptions

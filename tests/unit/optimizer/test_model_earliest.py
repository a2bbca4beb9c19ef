"""Issue 14.2: nobody is moved earlier than they can and want to travel.  Earliest departure =
the later of the booked departure minus the advance window and when the party can be at the
airport; an earlier flight only as an alternative, when a fresh location says they can make it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus, Proximity, ProximityBand
from rebook.optimizer.core import OptimizerSettings, plan_rebooking

from .conftest import T0, booking, index, leg

S = OptimizerSettings()
EARLY, BOOKED, LATER = leg(1, "FRA", "DUB", 255), leg(2, "FRA", "DUB", 520), leg(3, "FRA", "DUB", 600)
CANCELLED = replace(BOOKED, status=FlightStatus.CANCELLED)  # the 20:40 (T0 is 12:00)
FLIGHTS = index(EARLY, CANCELLED, LATER)
TRIP = booking("EARLY", (BOOKED,), party=2)
CANCEL = [Disruption("CANCELLATION:x", 1, DisruptionKind.CANCELLATION, "RB", (BOOKED.leg_id,), T0)]


def _plan(settings: OptimizerSettings = S, proximity: dict[str, Proximity] | None = None):
    [option] = plan_rebooking(FLIGHTS, [TRIP], CANCEL, proximity or {}, {}, settings, T0).options
    return option


def test_no_one_is_moved_to_an_earlier_flight_without_asking() -> None:
    option = _plan()
    assert option.primary.segments[0].leg_id == LATER.leg_id  # not the 16:15
    assert option.affected.ready == BOOKED.scheduled_departure
    assert all(c.segments[0].leg_id != EARLY.leg_id for c in option.alternatives)  # nobody said they can


def test_an_advance_window_the_airline_allows() -> None:
    option = _plan(replace(S, advance_window=timedelta(hours=5)))
    assert option.primary.segments[0].leg_id == EARLY.leg_id and not option.primary.earlier


def test_earlier_flight_is_an_alternative_when_the_party_can_make_it() -> None:
    near = {
        p.passenger_id: Proximity(p.passenger_id, "FRA", "FRA", ProximityBand.NEARBY, 8.0, timedelta(minutes=40), T0)
        for p in TRIP.passengers
    }
    option = _plan(proximity=near)
    assert option.primary.segments[0].leg_id == LATER.leg_id
    [early] = [c for c in option.alternatives if c.earlier]
    assert early.segments[0].leg_id == EARLY.leg_id
    one_far = {TRIP.passengers[0].passenger_id: near[TRIP.passengers[0].passenger_id]}
    assert not any(c.earlier for c in _plan(proximity=one_far).alternatives)  # the whole party must make it

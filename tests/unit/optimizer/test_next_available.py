"""The greedy's next available flight remembers full flights only for the parties they are full for."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import CandidateBuilder, OptimizerSettings, find_affected, seat_availability
from tests.unit.optimizer.conftest import T0, booking, index, leg


def _network() -> tuple[CandidateBuilder, dict[str, Any], dict[tuple[str, Cabin], int], list[str]]:
    cancelled = leg(100, "FRA", "JFK", 0, 480, seats={Cabin.ECONOMY: 20})
    soon = leg(101, "FRA", "JFK", 120, 480, seats={Cabin.ECONOMY: 20})
    later = leg(102, "FRA", "JFK", 300, 480, seats={Cabin.ECONOMY: 20})
    flights = index(replace(cancelled, status=FlightStatus.CANCELLED), soon, later)
    bookings = [booking("PAIR01", (cancelled,), party=2), booking("SOLO01", (cancelled,))]
    lost = cancelled.leg_id
    disruption = Disruption(f"CANCELLATION:{lost}", 1, DisruptionKind.CANCELLATION, "RB", (lost,), T0)
    settings = OptimizerSettings(k_best=4)
    affected = {a.booking.record_locator: a for a in find_affected(flights, bookings, [disruption], settings, T0)}
    avail = seat_availability(flights, list(affected.values()), {})
    avail[(soon.leg_id, Cabin.ECONOMY)] = 1  # room for one, not for two
    builder = CandidateBuilder(flights, avail, settings, T0)
    builder.build(list(affected.values()))
    return builder, affected, avail, [soon.leg_id, later.leg_id]


def _leg_of(candidate: Any) -> str:
    return candidate.segments[0].leg_id


def test_a_flight_full_for_a_pair_is_still_offered_to_one() -> None:
    builder, affected, avail, (soon, later) = _network()
    no_room: dict[tuple[Any, ...], set[int]] = {}
    assert _leg_of(builder.next_available(affected["PAIR01"], avail, no_room)) == later
    assert no_room  # the pair's scan remembered the flight with one seat
    assert _leg_of(builder.next_available(affected["SOLO01"], avail, no_room)) == soon


def test_a_remembered_full_flight_is_not_priced_again() -> None:
    builder, affected, avail, (soon, later) = _network()
    no_room: dict[tuple[Any, ...], set[int]] = {}
    empty = {**avail, (soon, Cabin.ECONOMY): 0}
    assert _leg_of(builder.next_available(affected["SOLO01"], empty, no_room)) == later
    # Only valid while seats only shrink: given room again, the memory still says full.
    assert _leg_of(builder.next_available(affected["SOLO01"], avail, no_room)) == later
    assert _leg_of(builder.next_available(affected["SOLO01"], avail)) == soon

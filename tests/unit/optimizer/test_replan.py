"""Planning again with incumbents: a held itinerary is kept, or replaced only by a clearly
better one, and a party holding seats is never left without a seat."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus, Segment, Tier
from rebook.optimizer.core import OptimizerSettings, plan_rebooking
from tests.unit.optimizer.conftest import T0, booking, index, leg

NOW = T0


def cancel(flight) -> tuple:
    cancelled = replace(flight, status=FlightStatus.CANCELLED)
    disruption = Disruption(
        f"CANCELLATION:{flight.leg_id}", 1, DisruptionKind.CANCELLATION, "RB", (flight.leg_id,), NOW
    )
    return cancelled, disruption


def primaries(plan) -> dict[str, tuple[str, ...] | None]:
    return {o.record_locator: tuple(s.leg_id for s in o.primary.segments) if o.primary else None for o in plan.options}


@pytest.fixture
def settings() -> OptimizerSettings:
    return OptimizerSettings(k_best=4, time_limit_s=5)


def test_an_incumbent_that_is_still_flyable_is_kept_even_if_a_slightly_better_one_exists(settings) -> None:
    first = leg(100, "FRA", "JFK", 0, 480)
    late = leg(101, "FRA", "JFK", 300, 480)
    slightly_earlier = leg(102, "FRA", "JFK", 290, 480)  # 10 min earlier: under the re-plan threshold
    cancelled, disruption = cancel(first)
    flights = index(cancelled, late, slightly_earlier)
    a = booking("AAAAA1", (first,))
    plan = plan_rebooking(
        flights, [a], [disruption], {}, {}, settings, NOW, incumbents={"AAAAA1": (Segment(late.leg_id, Cabin.ECONOMY),)}
    )
    assert primaries(plan) == {"AAAAA1": (late.leg_id,)}
    fresh = plan_rebooking(flights, [a], [disruption], {}, {}, settings, NOW)
    assert primaries(fresh) == {"AAAAA1": (slightly_earlier.leg_id,)}  # without it, the earlier one


def test_an_incumbent_is_replaced_by_an_itinerary_better_by_more_than_the_threshold(settings) -> None:
    first = leg(100, "FRA", "JFK", 0, 480)
    late = leg(101, "FRA", "JFK", 600, 480)
    early = leg(102, "FRA", "JFK", 120, 480)
    cancelled, disruption = cancel(first)
    plan = plan_rebooking(
        index(cancelled, late, early),
        [booking("AAAAA1", (first,))],
        [disruption],
        {},
        {},
        settings,
        NOW,
        incumbents={"AAAAA1": (Segment(late.leg_id, Cabin.ECONOMY),)},
    )
    assert primaries(plan) == {"AAAAA1": (early.leg_id,)}


def test_a_party_holding_seats_keeps_them_against_a_higher_priority_newcomer(settings) -> None:
    """Solved together from scratch, the platinum party would take the one seat; planned
    again, the basic party that was already offered it keeps it."""
    first = leg(100, "FRA", "JFK", 0, 480)
    only = leg(101, "FRA", "JFK", 120, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 9})  # one seat
    cancelled, disruption = cancel(first)
    flights = index(cancelled, only)
    basic = booking("AAAAA1", (first,))
    platinum = booking("BBBBB2", (first,), tier=Tier.PLATINUM)
    fresh = plan_rebooking(flights, [basic, platinum], [disruption], {}, {}, settings, NOW)
    assert primaries(fresh) == {"AAAAA1": None, "BBBBB2": (only.leg_id,)}
    held = {"AAAAA1": (Segment(only.leg_id, Cabin.ECONOMY),)}
    again = plan_rebooking(flights, [basic, platinum], [disruption], {}, {}, settings, NOW, incumbents=held)
    assert primaries(again) == {"AAAAA1": (only.leg_id,), "BBBBB2": None}
    greedy = replace(settings, solver="greedy")
    assert primaries(
        plan_rebooking(flights, [basic, platinum], [disruption], {}, {}, greedy, NOW, incumbents=held)
    ) == {
        "AAAAA1": (only.leg_id,),
        "BBBBB2": None,
    }


def test_an_incumbent_that_can_no_longer_be_flown_is_planned_like_any_other(settings) -> None:
    first = leg(100, "FRA", "JFK", 0, 480)
    held_leg = leg(101, "FRA", "JFK", 120, 480)
    other = leg(102, "FRA", "JFK", 400, 480)
    cancelled, disruption = cancel(first)
    held_cancelled, second = cancel(held_leg)
    plan = plan_rebooking(
        index(cancelled, held_cancelled, other),
        [booking("AAAAA1", (first,))],
        [disruption, second],
        {},
        {},
        settings,
        NOW,
        incumbents={"AAAAA1": (Segment(held_leg.leg_id, Cabin.ECONOMY),)},
    )
    assert primaries(plan) == {"AAAAA1": (other.leg_id,)}
    assert not plan.options[0].affected.held


def test_alternatives_of_a_held_booking_still_include_worse_itineraries(settings) -> None:
    first = leg(100, "FRA", "JFK", 0, 480)
    held_leg = leg(101, "FRA", "JFK", 120, 480)
    later = leg(102, "FRA", "JFK", 400, 480)
    cancelled, disruption = cancel(first)
    plan = plan_rebooking(
        index(cancelled, held_leg, later),
        [booking("AAAAA1", (first,))],
        [disruption],
        {},
        {},
        settings,
        NOW,
        incumbents={"AAAAA1": (Segment(held_leg.leg_id, Cabin.ECONOMY),)},
    )
    option = plan.options[0]
    assert option.primary.segments[0].leg_id == held_leg.leg_id
    assert [c.segments[0].leg_id for c in option.alternatives] == [later.leg_id]

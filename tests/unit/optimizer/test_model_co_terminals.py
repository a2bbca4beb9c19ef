"""Issue 14.6: co-terminals on the airline's terms: per group with a transfer time, allowed at
a journey's start and end, mid-journey only when configured; every option that changes an
airport says so and names the airports."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.convert import offer_to_proto
from rebook.optimizer.core import CoTerminalGroup, OptimizerSettings, plan_rebooking
from rebook.optimizer.core.candidate import AirportChange
from rebook.optimizer.main import load_settings
from rebook.optimizer.offers import OfferPolicy, build_offer
from rebook.runtime.config import ConfigError, Env

from .conftest import T0, booking, index, leg

NYC = CoTerminalGroup(frozenset({"JFK", "LGA"}), timedelta(minutes=90))
S = OptimizerSettings(co_terminals=(NYC,))


def _cancel(g) -> Disruption:
    return Disruption(f"CANCELLATION:{g.leg_id}", 1, DisruptionKind.CANCELLATION, "RB", (g.leg_id,), T0)


def _connection():
    """FRA→JFK, then JFK→BOS, which is cancelled; LGA→BOS leaves 5 h after landing at JFK."""
    inbound, onward = (
        leg(1, "FRA", "JFK", -600, 480, actual_off_block=T0 - timedelta(minutes=600)),
        leg(2, "JFK", "BOS", 0),
    )
    from_lga = leg(3, "LGA", "BOS", 180)
    return (inbound, replace(onward, status=FlightStatus.CANCELLED), from_lga), booking("CONNX", (inbound, onward))


def test_mid_journey_change_only_when_the_group_allows_it() -> None:
    legs, trip = _connection()
    [option] = plan_rebooking(index(*legs), [trip], [_cancel(legs[1])], {}, {}, S, T0).options
    assert option.primary is None  # landing at JFK, leaving from LGA: not allowed by default
    mid = replace(S, co_terminals=(replace(NYC, mid_journey=True),))
    [option] = plan_rebooking(index(*legs), [trip], [_cancel(legs[1])], {}, {}, mid, T0).options
    assert [s.leg_id for s in option.primary.segments] == [legs[2].leg_id]
    assert option.primary.airport_changes == (AirportChange("JFK", "LGA", timedelta(minutes=90)),)
    offer = build_offer(option, _cancel(legs[1]), OfferPolicy(), T0)
    primary = offer_to_proto(offer, index(*legs)).options[0]
    assert primary.airport_change and [(c.booked_airport, c.new_airport) for c in primary.airport_changes] == [
        ("JFK", "LGA")
    ]


def test_change_at_the_journey_start_is_allowed_and_named() -> None:
    booked = replace(leg(1, "LGA", "BOS", 60), status=FlightStatus.CANCELLED)
    from_jfk = leg(2, "JFK", "BOS", 180)
    [option] = plan_rebooking(
        index(booked, from_jfk), [booking("START", (booked,))], [_cancel(booked)], {}, {}, S, T0
    ).options
    assert option.primary.airport_change
    assert option.primary.airport_changes == (AirportChange("LGA", "JFK", timedelta(minutes=90)),)


def test_co_terminal_groups_from_the_environment() -> None:
    settings = load_settings(Env({"REBOOK_OPTIMIZER_CO_TERMINALS": "JFK/LGA/EWR=90m:mid,ORY/CDG=75m"}))
    groups = {g.airports: (g.transfer, g.mid_journey) for g in settings.co_terminals}
    assert groups[frozenset({"ORY", "CDG"})] == (timedelta(minutes=75), False)
    assert groups[frozenset({"JFK", "LGA", "EWR"})] == (timedelta(minutes=90), True)
    with pytest.raises(ConfigError, match="CO_TERMINALS"):
        load_settings(Env({"REBOOK_OPTIMIZER_CO_TERMINALS": "JFK=90m"}))

"""Issue 14.4: a journey is what the passenger travels, not a record; 14.5: a connection
broken before the journey began is rebooked from its origin."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import OptimizerSettings, Reason, find_affected, plan_rebooking
from rebook.optimizer.core.affected import journeys

from .conftest import T0, booking, index, leg

S = OptimizerSettings()
DAY = 24 * 60


def _delay(g) -> Disruption:
    return Disruption(f"DELAY:{g.leg_id}", 1, DisruptionKind.DELAY, "RB", (g.leg_id,), T0 - timedelta(hours=3))


def _round_trip():
    """DUB→FRA→DEN out, DEN→FRA→DUB back three days later; the feeder to FRA has flown late."""
    out1, out2 = leg(1, "DUB", "FRA", -120, 120), leg(2, "FRA", "DEN", 60, 600)
    back1, back2 = leg(3, "DEN", "FRA", 3 * DAY, 600), leg(4, "FRA", "DUB", 3 * DAY + 700, 120)
    late = replace(
        out1,
        status=FlightStatus.DELAYED,
        estimated_arrival=out1.arrival + timedelta(minutes=40),
        actual_off_block=out1.departure,
    )
    return (late, out2, back1, back2), booking("ROUND", (out1, out2, back1, back2))


def test_a_round_trip_is_two_journeys() -> None:
    legs, trip = _round_trip()
    assert journeys(trip.segments, index(*legs), S) == [(0, 2), (2, 4)]
    day_trip = (leg(5, "FRA", "BER", 0), leg(6, "BER", "FRA", 300))  # back the same day
    assert journeys(booking("DAYTRIP", day_trip).segments, index(*day_trip), S) == [(0, 1), (1, 2)]
    connection = (leg(7, "FRA", "DEN", 0, 600), leg(8, "DEN", "SFO", 700))
    assert journeys(booking("CONNECT", connection).segments, index(*connection), S) == [(0, 2)]


def test_a_misconnecting_outbound_goes_to_the_outbound_destination_not_home() -> None:
    legs, trip = _round_trip()
    later_den = leg(9, "FRA", "DEN", 300, 600)
    [hit] = find_affected(index(*legs, later_den), [trip], [_delay(legs[0])], S, T0)
    assert (hit.reason, hit.at_airport, hit.destination) == (Reason.MISCONNECTION, "FRA", "DEN")
    assert hit.released == trip.segments[1:2] and hit.kept == (trip.segments[0], *trip.segments[2:])
    assert hit.original_arrival == legs[1].scheduled_arrival  # the outbound's promise
    [option] = plan_rebooking(index(*legs, later_den), [trip], [_delay(legs[0])], {}, {}, S, T0).options
    assert [s.leg_id for s in option.primary.segments] == [later_den.leg_id]


def test_a_connection_broken_before_departure_is_rebooked_from_the_origin() -> None:
    """14.5: the feeder is late before it leaves; a direct flight from the origin exists."""
    feeder, onward = leg(1, "FRA", "DEN", 60), leg(2, "DEN", "SFO", 200)
    direct = leg(3, "FRA", "SFO", 90, 660)
    late = replace(
        feeder,
        status=FlightStatus.DELAYED,
        estimated_departure=feeder.departure + timedelta(minutes=60),
        estimated_arrival=feeder.arrival + timedelta(minutes=60),
    )
    trip = booking("FEEDER", (feeder, onward))
    [option] = plan_rebooking(index(late, onward, direct), [trip], [_delay(feeder)], {}, {}, S, T0).options
    assert option.affected.at_airport == "FRA" and option.affected.released == trip.segments
    assert [s.leg_id for s in option.primary.segments] == [direct.leg_id]

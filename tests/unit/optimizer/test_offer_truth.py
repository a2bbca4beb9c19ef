"""Offers that tell the truth (issue 14.10): made and expiring after their own disruption is
known, even when a whole day is solved at once; explanations dated when not today, with
overnight stops, airport changes and re-plans said and explained."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import OptimizerSettings, plan_rebooking
from rebook.optimizer.engine import RebookingEngine

from .conftest import T0, booking, index, leg

HOUR = 60
SETTINGS = OptimizerSettings(k_best=4, time_limit_s=5)


def _cancel(flight, known=T0) -> Disruption:
    return Disruption(f"CANCELLATION:{flight.leg_id}", 1, DisruptionKind.CANCELLATION, "RB", (flight.leg_id,), known)


def _engine(*flights, bookings=()) -> RebookingEngine:
    engine = RebookingEngine(SETTINGS)
    for flight in flights:
        engine.apply_flight(flight)
    for b in bookings:
        engine.apply_booking(b)
    return engine


def test_a_day_solved_at_once_makes_each_offer_when_its_disruption_was_known() -> None:
    """One solve of the day runs at the first disruption's time; the offer for a disruption
    known three hours later is made then and expires after it, not before it existed."""
    early, late = leg(1, "FRA", "DEN", 120), leg(2, "FRA", "ORD", 8 * HOUR)
    spare = [leg(3, "FRA", "DEN", 10 * HOUR), leg(4, "FRA", "ORD", 12 * HOUR)]
    later = T0 + timedelta(hours=3)
    engine = _engine(
        replace(early, status=FlightStatus.CANCELLED),
        replace(late, status=FlightStatus.CANCELLED),
        *spare,
        bookings=(booking("AAAAA1", (early,)), booking("BBBBB2", (late,))),
    )
    result = engine.handle([_cancel(early), _cancel(late, later)], T0)
    offers = {o.record_locator: o for o in result.offers}
    assert offers["AAAAA1"].create_time == T0
    assert offers["BBBBB2"].create_time == later == offers["BBBBB2"].disruption_known_time
    assert all(o.expire_time > o.disruption_known_time for o in offers.values())


def test_explanation_dates_another_day_and_says_overnight() -> None:
    bad = leg(1, "FRA", "DEN", 60)
    tomorrow = leg(2, "FRA", "DEN", 24 * HOUR + 60)
    flights = index(replace(bad, status=FlightStatus.CANCELLED), tomorrow)
    (option,) = plan_rebooking(flights, [booking("AAA", (bad,))], [_cancel(bad)], {}, {}, SETTINGS, T0).options
    text = option.explanation
    assert text.startswith("Your 14:00 to Denver was cancelled;")  # 13:00 UTC is 14:00 in Frankfurt
    assert "the flight leaving tomorrow, Tue 24 Nov, 14:00, arriving 07:30" in text
    assert "you will spend the night in Frankfurt" in text and text.endswith("Times are local.")


def test_explanation_names_an_airport_change() -> None:
    bad = leg(1, "FRA", "JFK", 60, 480)
    newark = leg(2, "FRA", "EWR", 180, 480)
    flights = index(replace(bad, status=FlightStatus.CANCELLED), newark)
    (option,) = plan_rebooking(flights, [booking("AAA", (bad,))], [_cancel(bad)], {}, {}, SETTINGS, T0).options
    assert option.primary is not None and option.primary.airport_change
    assert "it arrives at EWR instead of JFK (an airport change" in option.explanation


def test_a_replanned_offer_says_it_changed_and_why() -> None:
    bad = leg(1, "FRA", "DEN", 60)
    first = leg(2, "FRA", "DEN", 180, seats={Cabin.ECONOMY: 10}, sold={Cabin.ECONOMY: 9})
    second = leg(3, "FRA", "DEN", 300, seats={Cabin.ECONOMY: 10}, sold={Cabin.ECONOMY: 9})
    engine = _engine(replace(bad, status=FlightStatus.CANCELLED), first, second, bookings=(booking("AAAAA1", (bad,)),))
    (offer,) = engine.handle([_cancel(bad)], T0).offers
    assert offer.holds[0].leg_id == first.leg_id and not offer.explanation.startswith("Updated")
    engine.apply_flight(replace(first, status=FlightStatus.CANCELLED, version=1))
    now = T0 + timedelta(minutes=20)
    result = engine.handle([_cancel(first, now)], now)
    (again,) = [o for o in result.offers if o.record_locator == "AAAAA1"]
    assert again.version == 2 and again.holds[0].leg_id == second.leg_id
    assert again.explanation.startswith("Updated: Our previous offer could not be kept")

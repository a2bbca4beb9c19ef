"""Unanswered offers are planned again with each new batch of disruptions (per ``replan`` mode),
answers to a version the passenger never saw are refused, and batches in arrival order end
where one solve of everything would."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.errors import PreconditionError
from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus, Tier
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from rebook.optimizer.offer_costs import total_cost
from rebook.optimizer.offers import OfferStatus, ResponseKind
from tests.unit.optimizer.conftest import T0, booking, leg

NOW = T0 - timedelta(hours=2)


def cancellation(leg_id: str, known=NOW) -> Disruption:
    return Disruption(f"CANCELLATION:{leg_id}", 1, DisruptionKind.CANCELLATION, "RB", (leg_id,), known)


def engine_with(replan: str, *flights, bookings=()) -> RebookingEngine:
    engine = RebookingEngine(OptimizerSettings(k_best=4, time_limit_s=5), replan=replan)
    for flight in flights:
        engine.apply_flight(flight)
    engine.upsert_bookings(list(bookings))
    return engine


def cancel(engine: RebookingEngine, flight, at=NOW):
    engine.apply_flight(replace(engine.flights[flight.leg_id], status=FlightStatus.CANCELLED, version=9))
    return engine.handle([cancellation(flight.leg_id, at)], at)


def held_legs(offer) -> list[str]:
    return [h.leg_id for h in offer.holds]


@pytest.fixture
def two_cancellations():
    """FRA→JFK 100 and 200 are cancelled one after the other; 101 has one seat left, 102 plenty
    but much later.  A basic passenger on 100, a platinum one on 200, which is full (101 leaves
    after both: nobody is moved earlier than booked)."""
    first = leg(100, "FRA", "JFK", 0, 480)
    second = leg(200, "FRA", "JFK", 150, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 10})
    one_seat = leg(101, "FRA", "JFK", 170, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 9})
    late = leg(102, "FRA", "JFK", 900, 480)
    bookings = [booking("AAAAA1", (first,)), booking("PPPPP1", (second,), tier=Tier.PLATINUM)]
    return (first, second, one_seat, late), bookings


def test_improve_keeps_what_a_passenger_was_offered(two_cancellations) -> None:
    (first, second, one_seat, late), bookings = two_cancellations
    engine = engine_with("improve", first, second, one_seat, late, bookings=bookings)
    basic = cancel(engine, first).offers[0]
    assert held_legs(basic) == [one_seat.leg_id]
    result = cancel(engine, second, NOW + timedelta(minutes=5))
    assert [o.record_locator for o in result.offers] == ["PPPPP1"]  # no new version for AAAAA1
    assert result.replanned == 0 and result.new_bookings == 1
    assert engine.get_offer(record_locator="AAAAA1") == basic


def test_full_gives_the_seat_to_the_higher_priority_newcomer(two_cancellations) -> None:
    (first, second, one_seat, late), bookings = two_cancellations
    engine = engine_with("full", first, second, one_seat, late, bookings=bookings)
    cancel(engine, first)
    result = cancel(engine, second, NOW + timedelta(minutes=5))
    offers = {o.record_locator: o for o in result.offers}
    assert held_legs(offers["PPPPP1"]) == [one_seat.leg_id]
    assert offers["AAAAA1"].version == 2 and held_legs(offers["AAAAA1"]) == [late.leg_id]
    assert result.replanned == 1
    assert engine.holds_in_use() == {(one_seat.leg_id, Cabin.ECONOMY): 1, (late.leg_id, Cabin.ECONOMY): 1}


def test_off_never_touches_earlier_offers(two_cancellations) -> None:
    (first, second, one_seat, late), bookings = two_cancellations
    engine = engine_with("off", first, second, one_seat, late, bookings=bookings)
    basic = cancel(engine, first).offers[0]
    result = cancel(engine, second, NOW + timedelta(minutes=5))
    assert [o.record_locator for o in result.offers] == ["PPPPP1"]
    assert engine.get_offer(record_locator="AAAAA1") == basic


def test_an_unaccommodated_offer_gets_seats_once_they_free_up() -> None:
    first = leg(100, "FRA", "JFK", 0, 480)
    one_seat = leg(101, "FRA", "JFK", 120, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 9})
    other = leg(300, "FRA", "BOS", 60, 420)
    a, b, c = booking("AAAAA1", (first,)), booking("BBBBB2", (first,)), booking("CCCCC3", (other,))
    engine = engine_with("improve", first, one_seat, other, bookings=[a, b, c])
    offers = {o.record_locator: o for o in cancel(engine, first).offers}
    seated, stranded = sorted(offers.values(), key=lambda o: not o.holds)
    assert stranded.status == OfferStatus.UNACCOMMODATED
    engine.respond(seated.offer_id, "r-1", ResponseKind.REFUND, "", NOW)  # the seat is free again
    result = cancel(engine, other, NOW + timedelta(minutes=10))  # any later batch re-plans
    again = next(o for o in result.offers if o.record_locator == stranded.record_locator)
    assert again.offer_id == stranded.offer_id and again.version == stranded.version + 1
    assert again.status == OfferStatus.OPEN and held_legs(again) == [one_seat.leg_id]
    assert all(o.record_locator != seated.record_locator for o in result.offers)  # refunded: left alone


def test_an_answer_to_a_version_the_passenger_never_saw_is_refused(two_cancellations) -> None:
    (first, second, one_seat, late), bookings = two_cancellations
    engine = engine_with("full", first, second, one_seat, late, bookings=bookings)
    seen = cancel(engine, first).offers[0]
    cancel(engine, second, NOW + timedelta(minutes=5))  # re-planned: AAAAA1 is now version 2
    with pytest.raises(PreconditionError, match="now version 2"):
        engine.respond(seen.offer_id, "r-old", ResponseKind.ACCEPT, "", NOW, seen_version=seen.version)
    accepted = engine.respond(seen.offer_id, "r-new", ResponseKind.ACCEPT, "", NOW, seen_version=2)
    assert accepted.status == OfferStatus.ACCEPTED and held_legs(accepted) == [late.leg_id]


def test_batches_in_arrival_order_against_one_solve_of_everything() -> None:
    """Five cancellations on a shared pool of later flights, solved one by one as they arrive
    or all at once.  Every mode uses every free seat; "full" ends exactly where one solve does;
    "improve" is never worse than leaving offers alone ("off"), which serves the first comers."""
    cancelled = [leg(100 + i, "FRA", "JFK", 10 * i, 480) for i in range(5)]
    later = [leg(200 + i, "FRA", "JFK", 180 + 120 * i, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 7}) for i in range(4)]
    tiers = (Tier.BASIC, Tier.GOLD, Tier.SILVER, Tier.PLATINUM, Tier.BASIC)
    bookings = [
        booking(f"BK{i}{j}AA", (cancelled[i],), party=1 + (i + j) % 3, tier=tiers[(i + j) % 5])
        for i in range(5)
        for j in range(3)
    ]
    by_locator = {b.record_locator: b for b in bookings}

    def run(mode: str, at_once: bool) -> tuple[int, float]:
        engine = engine_with(mode, *cancelled, *later, bookings=bookings)
        if at_once:
            for flight in cancelled:
                engine.apply_flight(replace(flight, status=FlightStatus.CANCELLED, version=9))
            engine.handle([cancellation(f.leg_id) for f in cancelled], NOW)
        else:
            for flight in cancelled:
                cancel(engine, flight, NOW)
        offers = [engine.get_offer(record_locator=k) for k in by_locator]
        seated = sum(len(o.passenger_ids) for o in offers if o.holds)
        return seated, total_cost(offers, by_locator, engine.settings)

    seated, offline = run("full", at_once=True)
    results = {mode: run(mode, at_once=False) for mode in ("off", "improve", "full")}
    assert seated == 12 and all(n == 12 for n, _ in results.values())
    assert results["full"][1] == pytest.approx(offline)
    assert offline < results["improve"][1] <= results["off"][1]


def test_nobody_is_rebooked_onto_a_flight_that_left_before_their_disruption_was_known() -> None:
    """Solving a whole day at once (``rebook solve``) at the first disruption's time must not
    use a flight that departed before a later cancellation was announced."""
    early = leg(100, "FRA", "JFK", 0, 480)
    announced_late = leg(200, "FRA", "JFK", 300, 480)
    between = leg(101, "FRA", "JFK", 120, 480)  # departs before the second cancellation is known
    after = leg(102, "FRA", "JFK", 400, 480)
    engine = engine_with(
        "improve",
        early,
        announced_late,
        between,
        after,
        bookings=[booking("AAAAA1", (early,)), booking("BBBBB2", (announced_late,))],
    )
    for flight in (early, announced_late):
        engine.apply_flight(replace(flight, status=FlightStatus.CANCELLED, version=9))
    known_late = T0 + timedelta(minutes=180)
    result = engine.handle([cancellation(early.leg_id), cancellation(announced_late.leg_id, known_late)], NOW)
    offers = {o.record_locator: o for o in result.offers}
    assert held_legs(offers["AAAAA1"]) == [between.leg_id]
    assert held_legs(offers["BBBBB2"]) == [after.leg_id]

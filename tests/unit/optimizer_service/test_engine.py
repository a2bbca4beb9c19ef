"""The optimizer engine's decisions on plain data: offers, holds, answers, expiry, replays."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.errors import PreconditionError
from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from rebook.optimizer.offers import OfferPolicy, OfferStatus, ResponseKind
from tests.unit.optimizer_service.conftest import NOW, cancellation


def held_per_leg(engine: RebookingEngine) -> dict[str, int]:
    return {leg_id: seats for (leg_id, _), seats in engine.holds_in_use().items()}


def test_cancellation_gives_every_affected_booking_an_offer_with_seats_held(network) -> None:
    engine, cancelled, later = network
    result = engine.handle([cancellation(cancelled.leg_id)], NOW)
    offers = {o.record_locator: o for o in result.offers}
    assert set(offers) == {"AAAAA1", "BBBBB2"}
    assert all(o.status == OfferStatus.OPEN and o.holds for o in offers.values())
    assert sum(h.seats for h in offers["AAAAA1"].holds) == 3
    free = {g.leg_id: g.capacity[Cabin.ECONOMY] - g.sold[Cabin.ECONOMY] for g in later}
    for leg_id, seats in held_per_leg(engine).items():
        assert seats <= free[leg_id]
    assert all(o.options[-1].option_id in ("refund", "agent") for o in offers.values())
    assert all(o.explanation for o in offers.values())


def test_a_replayed_disruption_changes_nothing(network) -> None:
    engine, cancelled, _ = network
    first = engine.handle([cancellation(cancelled.leg_id)], NOW)
    holds = engine.holds_in_use()
    again = engine.handle([cancellation(cancelled.leg_id)], NOW + timedelta(minutes=1))
    assert first.offers and again.offers == ()
    assert engine.holds_in_use() == holds


def test_accept_switch_refund(network) -> None:
    engine, cancelled, _ = network
    offers = {o.record_locator: o for o in engine.handle([cancellation(cancelled.leg_id)], NOW).offers}
    small = offers["BBBBB2"]
    accepted = engine.respond(small.offer_id, "r1", ResponseKind.ACCEPT, "", NOW)
    assert accepted.status == OfferStatus.ACCEPTED and accepted.holds == small.holds
    assert engine.respond(small.offer_id, "r1", ResponseKind.ACCEPT, "", NOW) == accepted  # idempotent
    big = offers["AAAAA1"]
    alternative = next(o for o in big.options[1:] if o.segments)
    switched = engine.respond(big.offer_id, "r2", ResponseKind.SWITCH, alternative.option_id, NOW)
    assert switched.chosen_option_id == alternative.option_id
    assert {h.leg_id for h in switched.holds} == {s.leg_id for s in alternative.segments}
    with pytest.raises(PreconditionError):
        engine.respond(big.offer_id, "r3", ResponseKind.REFUND, "", NOW)  # already answered


def test_switch_to_a_full_option_fails_and_changes_nothing(network) -> None:
    engine, cancelled, later = network
    offers = {o.record_locator: o for o in engine.handle([cancellation(cancelled.leg_id)], NOW).offers}
    big = offers["AAAAA1"]
    # Fill every alternative: another party takes the remaining seats on all later legs.
    for flight in later:
        engine.apply_flight(replace(flight, sold={Cabin.ECONOMY: 10}, version=5))
    alternative = next(o for o in big.options[1:] if o.segments)
    before = engine.holds_in_use()
    with pytest.raises(PreconditionError, match="no longer available"):
        engine.respond(big.offer_id, "r9", ResponseKind.SWITCH, alternative.option_id, NOW)
    assert engine.get_offer(big.offer_id) == big
    assert engine.holds_in_use() == before


def test_refund_releases_seats(network) -> None:
    engine, cancelled, _ = network
    offer = engine.handle([cancellation(cancelled.leg_id)], NOW).offers[0]
    refunded = engine.respond(offer.offer_id, "r1", ResponseKind.REFUND, "", NOW)
    assert refunded.status == OfferStatus.REFUNDED and refunded.holds == ()
    assert sum(engine.holds_in_use().values()) == sum(
        h.seats for o in engine.offers.values() if o.offer_id != offer.offer_id for h in o.holds
    )


def test_withdrawn_disruption_withdraws_open_offers(network) -> None:
    engine, cancelled, _ = network
    engine.handle([cancellation(cancelled.leg_id)], NOW)
    result = engine.handle([cancellation(cancelled.leg_id, version=2, withdrawn=True)], NOW)
    assert {o.status for o in result.offers} == {OfferStatus.WITHDRAWN}
    assert engine.holds_in_use() == {}


def test_expiry_keeps_or_releases_per_carrier_policy(network) -> None:
    engine, cancelled, _ = network
    engine._policies["RB"] = OfferPolicy(ttl=timedelta(minutes=10), keep_on_expiry=False)
    engine.handle([cancellation(cancelled.leg_id)], NOW)
    assert engine.expire_due(NOW + timedelta(minutes=5)) == []
    expired = engine.expire_due(NOW + timedelta(minutes=11))
    assert expired and all(o.status == OfferStatus.EXPIRED and not o.holds for o in expired)
    assert engine.holds_in_use() == {}


def test_a_new_disruption_on_an_unanswered_offer_replans_it_as_a_new_version(network) -> None:
    engine, cancelled, later = network
    offers = engine.handle([cancellation(cancelled.leg_id)], NOW).offers
    first_held = {h.leg_id for o in offers for h in o.holds}
    hit = sorted(first_held)[0]
    engine.apply_flight(replace(engine.flights[hit], status=FlightStatus.CANCELLED, version=9))
    result = engine.handle([cancellation(hit)], NOW + timedelta(minutes=5))
    touched = {o.offer_id for o in offers if any(h.leg_id == hit for h in o.holds)}
    replanned = [o for o in result.offers if o.offer_id in touched]
    assert replanned and all(
        o.version == 2 and o.status in (OfferStatus.OPEN, OfferStatus.UNACCOMMODATED) for o in replanned
    )
    assert all(h.leg_id != hit for o in replanned for h in o.holds)
    free = {g.leg_id: g.capacity[Cabin.ECONOMY] - g.sold[Cabin.ECONOMY] for g in later}
    for leg_id, seats in held_per_leg(engine).items():
        assert leg_id != hit
        assert seats <= free[leg_id]


def test_a_new_disruption_on_an_accepted_itinerary_supersedes_and_never_double_holds(network) -> None:
    engine, cancelled, later = network
    offers = engine.handle([cancellation(cancelled.leg_id)], NOW).offers
    for offer in offers:
        engine.respond(offer.offer_id, f"r-{offer.offer_id}", ResponseKind.ACCEPT, "", NOW)
    hit = sorted({h.leg_id for o in offers for h in o.holds})[0]
    engine.apply_flight(replace(engine.flights[hit], status=FlightStatus.CANCELLED, version=9))
    result = engine.handle([cancellation(hit)], NOW + timedelta(minutes=5))
    statuses = [o.status for o in result.offers]
    assert OfferStatus.SUPERSEDED in statuses
    free = {g.leg_id: g.capacity[Cabin.ECONOMY] - g.sold[Cabin.ECONOMY] for g in later}
    for leg_id, seats in held_per_leg(engine).items():
        assert leg_id != hit
        assert seats <= free[leg_id]


def test_simulate_holds_nothing_and_publishes_nothing(network) -> None:
    from rebook.flightops.events import Cancellation, FlightEvent

    engine, _, later = network
    event = FlightEvent("sim-1", later[0].leg_id, NOW, Cancellation("what if"))
    plan, offers, disruptions = engine.simulate([event], NOW)
    assert disruptions and disruptions[0].kind == DisruptionKind.CANCELLATION
    assert engine.offers == {} and engine.holds_in_use() == {}
    assert plan.stats.affected_bookings == len(offers)


def test_when_the_next_flight_fills_up_later_flights_take_the_rest() -> None:
    """30 passengers, three later flights with 25 free seats each: nobody is stranded."""
    from datetime import UTC, datetime

    from rebook.tooling.sim.generator.cancelled_flights import make_flight

    flight = make_flight(30, 7)
    engine = RebookingEngine(OptimizerSettings())
    for g in (flight.cancelled, *flight.later):
        engine.apply_flight(g)
    engine.upsert_bookings(flight.bookings)
    engine.apply_flight(replace(flight.cancelled, status=FlightStatus.CANCELLED, version=2))
    now = datetime.now(UTC)
    disruption = Disruption(
        f"CANCELLATION:{flight.cancelled.leg_id}", 1, DisruptionKind.CANCELLATION, "RB", (flight.cancelled.leg_id,), now
    )
    result = engine.handle([disruption], now)
    assert result.plan is not None and result.plan.stats.unaccommodated == 0
    assert all(o.status == OfferStatus.OPEN for o in result.offers)


def test_offers_seen_on_the_topic_do_not_mark_their_disruption_done(network) -> None:
    """A crash may cut a batch short after some offers were published: the re-delivered
    disruption is planned again, the offers already out keep their ids and are not re-sent."""
    engine, cancelled, later = network
    first = RebookingEngine(engine.settings)
    for flight in (*later, replace(cancelled, status=FlightStatus.CANCELLED, version=2)):
        first.apply_flight(flight)
    first.upsert_bookings(list(engine.bookings.values()))
    published = first.handle([cancellation(cancelled.leg_id)], NOW).offers[:1]  # the crash: one offer out
    engine.apply_offer(published[0])
    again = engine.handle([cancellation(cancelled.leg_id)], NOW + timedelta(minutes=1))
    assert {o.record_locator for o in again.offers} == {"AAAAA1", "BBBBB2"} - {published[0].record_locator}
    assert all(o.version == 1 for o in again.offers)
    assert len(engine.current_offers()) == 2


def test_a_batch_that_raises_is_rolled_back(network) -> None:
    engine, cancelled, _ = network
    with pytest.raises(RuntimeError), engine.batch():
        engine.handle([cancellation(cancelled.leg_id)], NOW)
        raise RuntimeError("kafka did not acknowledge")
    assert engine.offers == {} and engine.holds_in_use() == {}
    assert {o.record_locator for o in engine.handle([cancellation(cancelled.leg_id)], NOW).offers} == {
        "AAAAA1",
        "BBBBB2",
    }

"""The rebooking horizon (issue 14.9): days, not hours; a later seat before no seat; and a
booking without any seat says why and offers the waitlist or a refund."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import NoSeat, OptimizerSettings, plan_rebooking
from rebook.optimizer.offer_answers import expire, respond
from rebook.optimizer.offers import (
    OfferPolicy,
    OfferStatus,
    OptionKind,
    ResponseKind,
    Unaccommodated,
    build_offer,
)

from .conftest import T0, booking, index, leg

FULL = {Cabin.ECONOMY: 10}
HOUR = 60


def _cancel(*legs) -> Disruption:
    return Disruption("C", 1, DisruptionKind.CANCELLATION, "RB", tuple(g.leg_id for g in legs), T0)


def _storm(seat_after_h: float):
    """A cancelled FRA→DEN flight; the next days' flights are full except one ``seat_after_h``
    hours later with two seats."""
    bad = leg(1, "FRA", "DEN", 60)
    full = [leg(10 + d, "FRA", "DEN", 60 + d * 24 * HOUR, sold=FULL) for d in range(1, 4)]
    free = leg(20, "FRA", "DEN", round(seat_after_h * HOUR), sold={Cabin.ECONOMY: 8})
    flights = index(replace(bad, status=FlightStatus.CANCELLED), *full, free)
    return bad, free, flights


def _plan(flights, bookings, disruption, settings=None):
    settings = settings or OptimizerSettings()
    return plan_rebooking(flights, bookings, [disruption], {}, {}, settings, T0)


def test_default_horizon_is_three_days_and_a_late_seat_beats_no_seat() -> None:
    # 68 h later: beyond the old 36 h horizon, and its delay (~4080 min) beyond the old no-seat
    # penalty of 4000, so the model would rather have stranded the party.
    bad, free, flights = _storm(68)
    plan = _plan(flights, [booking("AAA", (bad,), party=2)], _cancel(bad))
    (option,) = plan.options
    assert option.primary is not None and option.primary.segments[0].leg_id == free.leg_id
    assert option.unseated is None
    assert OptimizerSettings().horizon == timedelta(hours=72)
    # The date is given when it is not today, and times are labelled local.
    assert "Thu 26 Nov, " in option.explanation and option.explanation.endswith("Times are local.")


def test_everyone_gets_a_later_seat_before_anyone_gets_none() -> None:
    """Twelve parties, the next flights with a few seats each over three days: the solve widens
    past the K best until everyone who can have a seat has one."""
    bad = leg(1, "FRA", "DEN", 60, seats={Cabin.ECONOMY: 40})
    later = [leg(30 + i, "FRA", "DEN", 120 + i * 6 * HOUR, sold={Cabin.ECONOMY: 8}) for i in range(11)]
    flights = index(replace(bad, status=FlightStatus.CANCELLED), *later)
    bookings = [booking(f"P{i:04d}", (bad,), party=2) for i in range(11)]
    plan = _plan(flights, bookings, _cancel(bad), OptimizerSettings(k_best=2))
    assert plan.stats.unaccommodated == 0
    assert sorted(o.primary.segments[0].leg_id for o in plan.options) == sorted(g.leg_id for g in later)


def test_per_carrier_horizon_and_no_seat_reason_with_waitlist() -> None:
    bad, _, flights = _storm(50)
    short = OptimizerSettings(horizon_by_carrier={"RB": timedelta(hours=36)})
    assert short.horizon_for("RB") == timedelta(hours=36) and short.horizon_for("XX") == timedelta(hours=72)
    plan = _plan(flights, [booking("AAA", (bad,))], _cancel(bad), short)
    (option,) = plan.options
    assert option.primary is None and option.unseated == NoSeat.NO_SEAT_WITHIN_HORIZON
    assert option.horizon_end == option.affected.ready + timedelta(hours=36)
    assert "is full" in option.explanation and "waitlist" in option.explanation
    offer = build_offer(option, _cancel(bad), OfferPolicy(), T0)
    assert offer.status == OfferStatus.UNACCOMMODATED
    assert offer.unaccommodated_reason == Unaccommodated.NO_SEAT_WITHIN_HORIZON
    assert [o.kind for o in offer.options] == [OptionKind.REFUND, OptionKind.WAITLIST, OptionKind.AGENT]
    # Waitlisted: still unaccommodated, answered, and it does not expire into a refund before
    # the horizon ends.
    waiting = respond(offer, "r1", ResponseKind.SWITCH, "waitlist", {}, T0 + timedelta(minutes=5))
    assert waiting.waitlisted and waiting.status == OfferStatus.UNACCOMMODATED and "r1" in waiting.response_ids
    assert expire(waiting, OfferPolicy(), T0 + timedelta(hours=2)) is None
    assert expire(waiting, OfferPolicy(), T0 + timedelta(hours=37)).status == OfferStatus.EXPIRED


def test_no_route_reason_offers_refund_or_agent() -> None:
    bad = leg(1, "FRA", "BZN", 60)
    flights = index(replace(bad, status=FlightStatus.CANCELLED), leg(2, "FRA", "DEN", 120))
    (option,) = _plan(flights, [booking("AAA", (bad,))], _cancel(bad)).options
    assert option.primary is None and option.unseated == NoSeat.NO_ROUTE
    assert "no flight of ours or our partners reaches" in option.explanation
    offer = build_offer(option, _cancel(bad), OfferPolicy(), T0)
    assert offer.unaccommodated_reason == Unaccommodated.NO_ROUTE
    assert [o.kind for o in offer.options] == [OptionKind.REFUND, OptionKind.AGENT]


def test_the_no_seat_cost_must_exceed_the_horizon() -> None:
    with pytest.raises(ValueError, match="stranded_hours"):
        OptimizerSettings(horizon_by_carrier={"RB": timedelta(days=7)})

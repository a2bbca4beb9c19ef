from dataclasses import replace
from datetime import timedelta

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus, Proximity, ProximityBand, Tier
from rebook.optimizer.core import (
    CandidateBuilder,
    OptimizerSettings,
    find_affected,
    plan_rebooking,
    seat_availability,
    solve,
)

from .conftest import T0, booking, index, leg

S = OptimizerSettings()


def cancel(*legs) -> Disruption:
    return Disruption("C", 1, DisruptionKind.CANCELLATION, "RB", tuple(g.leg_id for g in legs), T0)


def candidates_for(flights, bookings, disruptions, settings=S, proximity=None):
    aff = find_affected(flights, bookings, disruptions, settings, T0, proximity)
    avail = seat_availability(flights, aff, {})
    return aff, avail, CandidateBuilder(flights, avail, settings, T0).build(aff)


def test_candidates_respect_mct_and_skip_cancelled_and_departed_legs() -> None:
    bad = leg(1, "FRA", "SFO", 60)
    to_hub = leg(2, "FRA", "DEN", 60, block_min=60)  # arrives at +120
    tight = leg(3, "DEN", "SFO", 150)  # 30 min connection < 45 MCT
    ok = leg(4, "DEN", "SFO", 170)
    direct_gone = replace(leg(5, "FRA", "SFO", 90), status=FlightStatus.CANCELLED)
    flown = replace(leg(6, "FRA", "SFO", 10), actual_off_block=T0 + timedelta(minutes=10))
    flights = index(replace(bad, status=FlightStatus.CANCELLED), to_hub, tight, ok, direct_gone, flown)
    _, _, cands = candidates_for(flights, [booking("AAA", (bad,))], [cancel(bad)])
    routes = [tuple(s.leg_id for s in c.segments) for c in cands["AAA"]]
    assert routes == [(to_hub.leg_id, ok.leg_id)]


def test_candidates_never_leave_before_party_reaches_airport() -> None:
    bad, early, late = leg(1, "FRA", "SFO", 60), leg(2, "FRA", "SFO", 100), leg(3, "FRA", "SFO", 200)
    b = booking("AAA", (bad,))
    prox = {"AAA-0": Proximity("AAA-0", "FRA", "FRA", ProximityBand.FAR, 80.0, timedelta(minutes=150), T0)}
    flights = index(replace(bad, status=FlightStatus.CANCELLED), early, late)
    _, _, cands = candidates_for(flights, [b], [cancel(bad)], proximity=prox)
    assert [c.segments[0].leg_id for c in cands["AAA"]] == [late.leg_id]


def test_co_terminal_destination_with_transfer_and_penalty() -> None:
    bad = leg(1, "DEN", "JFK", 60)
    to_ewr = leg(2, "DEN", "EWR", 90, block_min=200)
    flights = index(replace(bad, status=FlightStatus.CANCELLED), to_ewr)
    _, _, cands = candidates_for(flights, [booking("AAA", (bad,))], [cancel(bad)])
    [c] = cands["AAA"]
    assert c.airport_change and c.arrival == to_ewr.arrival + timedelta(minutes=90)


def test_downgrade_when_booked_cabin_full() -> None:
    bad = leg(1, "DEN", "SFO", 60, seats={Cabin.BUSINESS: 4, Cabin.ECONOMY: 10})
    alt = leg(2, "DEN", "SFO", 120, seats={Cabin.BUSINESS: 4, Cabin.ECONOMY: 10}, sold={Cabin.BUSINESS: 4})
    flights = index(replace(bad, status=FlightStatus.CANCELLED), alt)
    _, _, cands = candidates_for(flights, [booking("AAA", (bad,), cabin=Cabin.BUSINESS)], [cancel(bad)])
    [c] = cands["AAA"]
    assert c.segments[0].cabin == Cabin.ECONOMY and c.downgrade_steps == 2


def test_optimal_beats_greedy_when_priority_order_wastes_seats() -> None:
    # One seat on each of two flights.  Greedy gives the gold passenger the earliest flight,
    # leaving the basic passenger (who can only make that one) with nothing.
    bad = leg(1, "DEN", "SFO", 30)
    gold_bad = leg(9, "DEN", "SFO", 31)
    only = leg(2, "DEN", "SFO", 60, seats={Cabin.ECONOMY: 1})
    later = leg(3, "DEN", "SFO", 90, seats={Cabin.ECONOMY: 1})
    gold = replace(booking("GOLD", (gold_bad,), tier=Tier.GOLD), carrier="XX")  # XX partners with RB
    basic = booking("BASIC", (bad,))  # RB alone: the XX flight is not open to it
    flights = index(
        replace(bad, status=FlightStatus.CANCELLED),
        replace(gold_bad, status=FlightStatus.CANCELLED),
        only,
        replace(later, carrier="XX"),
    )
    partner = OptimizerSettings(partnerships={"XX": frozenset({"RB"})})
    aff, avail, cands = candidates_for(flights, [gold, basic], [cancel(bad, gold_bad)], partner)
    no_option = CandidateBuilder(flights, avail, partner, T0).no_option_costs(aff)
    best = solve(aff, cands, avail, partner, no_option)
    greedy = solve(aff, cands, avail, replace(partner, solver="greedy"), no_option)
    assert greedy.unaccommodated == 1 and best.unaccommodated == 0
    assert best.objective < greedy.objective and best.gap <= 1e-9


def test_plan_explains_in_local_time_and_keeps_party_together() -> None:
    bad = leg(1, "FRA", "DEN", 60)
    full = leg(2, "FRA", "DEN", 120, seats={Cabin.ECONOMY: 10}, sold={Cabin.ECONOMY: 9})
    alt = leg(3, "FRA", "DEN", 240)
    b = booking("AAA", (bad,), party=3)
    rival = booking("VIP", (bad,), party=1, tier=Tier.PLATINUM)
    flights = index(replace(bad, status=FlightStatus.CANCELLED), full, alt)
    plan = plan_rebooking(flights, [b, rival], [cancel(bad)], {}, {}, S, T0)
    option = next(o for o in plan.options if o.record_locator == "AAA")
    assert option.primary is not None and option.primary.segments[0].leg_id == alt.leg_id
    assert option.explanation == (
        "Your 14:00 to Denver was cancelled; the 15:00 was full in economy, so we booked you on "
        "the 17:00, arriving 10:30 and kept your party of three together. You are owed €300 compensation "
        "(EU261) each; you may decline this change for a €940 refund (US DOT). Times are local."
    )  # FRA-DEN is over 3500 km and 3 h late: EU261 halved within 4 h; into the US: DOT
    assert plan.stats.affected_passengers == 4


def test_holds_in_use_reduce_availability() -> None:
    bad, alt = leg(1, "FRA", "DEN", 60), leg(2, "FRA", "DEN", 120, seats={Cabin.ECONOMY: 2})
    flights = index(replace(bad, status=FlightStatus.CANCELLED), alt)
    plan = plan_rebooking(flights, [booking("AAA", (bad,))], [cancel(bad)], {}, {(alt.leg_id, Cabin.ECONOMY): 2}, S, T0)
    assert plan.options[0].primary is None and "refund" in plan.options[0].explanation

"""Property tests on small random networks and disruptions."""

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus, SpecialService
from rebook.optimizer.core import OptimizerSettings, find_affected, plan_rebooking, seat_availability

from .conftest import T0, booking, index, leg

AIRPORTS = ("DEN", "SFO", "ORD", "SEA", "BOS")
# Groups of 5 or more may be split, so that the small random networks (1-8 seats a cabin)
# exercise the split; parties are 1-4, with an occasional group of 5-12 (and flights for it).
S = OptimizerSettings(k_best=4, mip_max_variables=200, group_split_min_party=5)


@st.composite
def scenarios(draw: st.DrawFn):
    legs = []
    for n in range(draw(st.integers(4, 14))):
        o, d = draw(st.sampled_from(AIRPORTS)), draw(st.sampled_from(AIRPORTS))
        if o == d:
            continue
        seats = {Cabin.ECONOMY: draw(st.integers(1, 8)), Cabin.BUSINESS: draw(st.integers(0, 2))}
        legs.append(leg(n + 1, o, d, draw(st.integers(-60, 900)), draw(st.integers(40, 200)), seats))
    if not legs:
        legs.append(leg(1, "DEN", "SFO", 60))
    bookings, grounded = [], set()
    for i in range(draw(st.integers(1, 10))):
        first = draw(st.sampled_from(legs))
        nexts = [
            g
            for g in legs
            if g.origin == first.destination
            and g.departure >= first.arrival + timedelta(minutes=45)
            and g.destination != first.origin
        ]
        route = (first, draw(st.sampled_from(nexts))) if nexts and draw(st.booleans()) else (first,)
        needs = frozenset({SpecialService.WHEELCHAIR}) if draw(st.booleans()) else frozenset()
        party = draw(st.integers(1, 4)) if draw(st.integers(0, 3)) else draw(st.integers(5, 12))
        if party >= 5:  # a group whose first flight is cancelled; more on its route, each small
            grounded.add(first.leg_id)
            booked = int((first.departure - T0).total_seconds() // 60)
            for k in range(draw(st.integers(0, 3))):
                seats = {Cabin.ECONOMY: draw(st.integers(2, 8))}
                later = booked + draw(st.integers(30, 600))
                legs.append(leg(100 + 10 * i + k, first.origin, first.destination, later, 90, seats))
        bookings.append(
            booking(
                f"B{i:02d}",
                route,
                party=party,
                special_services=needs,
                cabin=draw(st.sampled_from((Cabin.ECONOMY, Cabin.BUSINESS))),
            )
        )
    cancelled = draw(st.sets(st.sampled_from([g.leg_id for g in legs]))) | grounded
    delays = draw(st.dictionaries(st.sampled_from([g.leg_id for g in legs]), st.integers(10, 240), max_size=3))
    flights = index(*legs)
    for lid, late in delays.items():
        g = flights[lid]
        flights[lid] = replace(
            g,
            status=FlightStatus.DELAYED,
            estimated_departure=g.departure + timedelta(minutes=late),
            estimated_arrival=g.arrival + timedelta(minutes=late),
        )
    for lid in cancelled:
        flights[lid] = replace(flights[lid], status=FlightStatus.CANCELLED)
    for lid, g in list(flights.items()):
        if g.departure < T0 and not g.cancelled:
            flights[lid] = replace(g, actual_off_block=g.departure)
    disruptions = [
        Disruption("C", 1, DisruptionKind.CANCELLATION, "RB", tuple(sorted(cancelled)), T0),
        Disruption("D", 1, DisruptionKind.DELAY, "RB", tuple(sorted(delays)), T0),
    ]
    return flights, bookings, disruptions


@settings(max_examples=120, deadline=None)
@given(scenarios(), st.sampled_from(("optimal", "greedy")))
def test_plan_invariants(scenario, method) -> None:
    flights, bookings, disruptions = scenario
    cfg = replace(S, solver=method)
    plan = plan_rebooking(flights, bookings, disruptions, {}, {}, cfg, T0)
    affected = find_affected(flights, bookings, disruptions, cfg, T0)
    assert [o.record_locator for o in plan.options] == [a.booking.record_locator for a in affected]
    left = seat_availability(flights, affected, {})
    seated_cost = 0.0
    for option in plan.options:
        a = option.affected
        ids = [p.passenger_id for p in a.booking.passengers]
        # One itinerary for the whole party, or (a group, not by greedy) one per sub-group.
        parts = [(len(ids), option.primary)] if not option.split and option.primary else []
        if option.split:
            assert method == "optimal" and cfg.splittable(a.booking.party_size) and len(option.split) > 1
            assert [i for g in option.split for i in g.passenger_ids] == ids  # each whole, everyone once
            assert option.primary == option.split[0].candidate
            parts = [(len(g.passenger_ids), g.candidate) for g in option.split]
            seated_cost += cfg.costs.split_group * (len(parts) - 1)
        for seats, chosen in parts:
            legs = [flights[s.leg_id] for s in chosen.segments]
            assert all(not g.cancelled and not g.departed for g in legs)
            assert legs[0].origin == a.at_airport and legs[-1].destination == a.destination
            assert legs[0].departure >= a.ready
            for prev, nxt in pairwise(legs):
                assert nxt.origin == prev.destination
                assert nxt.departure >= prev.arrival + cfg.mct(prev.destination, a.reduced_mobility)
            for s in chosen.segments:
                left[(s.leg_id, s.cabin)] -= seats
            seated_cost += chosen.cost
    assert all(v >= 0 for v in left.values()), "capacity exceeded"
    solution = plan.stats.solution
    assert solution.objective >= seated_cost - 1e-6  # every split is costed in the objective
    assert plan.stats.groups_split == sum(1 for o in plan.options if o.split)
    again = plan_rebooking(flights, bookings, disruptions, {}, {}, cfg, T0)
    assert again.options == plan.options  # deterministic
    assert solution.objective >= solution.lower_bound - 1e-6


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_optimal_never_worse_than_greedy(scenario) -> None:
    flights, bookings, disruptions = scenario
    best = plan_rebooking(flights, bookings, disruptions, {}, {}, S, T0).stats.solution
    greedy = plan_rebooking(flights, bookings, disruptions, {}, {}, replace(S, solver="greedy"), T0).stats.solution
    assert best.objective <= greedy.objective + 1e-6

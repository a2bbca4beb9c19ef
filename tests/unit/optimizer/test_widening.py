"""The warm-started, widened solve against the honest (next available flight) greedy."""

from dataclasses import replace

from hypothesis import given, settings

from rebook.optimizer.core import CandidateBuilder, find_affected, seat_availability, solve_greedy
from rebook.optimizer.core.solution import relaxed_bound, seats_left
from rebook.optimizer.core.solver import solve
from rebook.optimizer.core.widening import solve_widening

from .conftest import T0
from .test_properties import S, scenarios


@settings(max_examples=80, deadline=None)
@given(scenarios())
def test_widened_solve_beats_honest_greedy_keeps_capacity_and_a_valid_bound(scenario) -> None:
    flights, bookings, disruptions = scenario
    affected = find_affected(flights, bookings, disruptions, S, T0)
    avail = seat_availability(flights, affected, {})
    builder = CandidateBuilder(flights, avail, S, T0)
    first = builder.build(affected)
    cands, best = solve_widening(affected, builder, first, avail, S)
    no_option = builder.no_option_costs(affected)
    greedy = solve_greedy(affected, {}, avail, S, no_option, builder)
    assert best.objective <= greedy.objective + 1e-6
    assert best.lower_bound <= best.objective + 1e-6
    # At least the capacity-free bound over whole parties, unless a split group beat it: then
    # the bound (over whole parties) is capped at the plan's cost.
    whole = relaxed_bound(affected, cands, no_option)
    assert best.lower_bound >= min(whole, best.objective) - 1e-6
    assert all(v >= 0 for v in seats_left(best, affected, avail).values())
    for locator, options in first.items():  # widening only adds options
        assert {c.segments for c in options} <= {c.segments for c in cands[locator]}


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_next_available_is_the_earliest_arrival_with_seats(scenario) -> None:
    flights, bookings, disruptions = scenario
    affected = find_affected(flights, bookings, disruptions, S, T0)
    avail = seat_availability(flights, affected, {})
    builder = CandidateBuilder(flights, avail, S, T0)
    cands = builder.build(affected)
    for a in affected:
        pick = builder.next_available(a, avail)
        options = cands[a.booking.record_locator]
        if options:
            assert pick is not None and pick.arrival <= min(c.arrival for c in options)
        if pick is not None:
            assert all(avail[(s.leg_id, s.cabin)] >= a.booking.party_size for s in pick.segments)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_the_widened_rounds_bound_never_exceeds_the_best_plan_over_its_candidates(scenario) -> None:
    # The widening round re-solves only around the new seats and bounds the rest by the first
    # LP's seat prices: that bound must stay below every plan over the final candidates, the
    # exact MIP's among them.
    flights, bookings, disruptions = scenario
    affected = find_affected(flights, bookings, disruptions, S, T0)
    avail = seat_availability(flights, affected, {})
    builder = CandidateBuilder(flights, avail, S, T0)
    cands, best = solve_widening(affected, builder, builder.build(affected), avail, S)
    exact = replace(S, mip_max_variables=100_000, mip_max_nodes=100_000, target_gap=0.0, ejection_max_attempts=0)
    optimum = solve(affected, cands, avail, exact, builder.no_option_costs(affected))
    assert best.lower_bound <= optimum.objective + 1e-6

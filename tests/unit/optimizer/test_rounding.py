"""The LP's plan is rounded parties first; the LP itself runs through MathOpt (``linear.py``)."""

from __future__ import annotations

import math
from dataclasses import replace

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus, Tier
from rebook.optimizer.core import CandidateBuilder, OptimizerSettings, find_affected, seat_availability
from rebook.optimizer.core.linear import LinearResult, Stop, solve_linear
from rebook.optimizer.core.solution import priced_bound, relaxed_bound
from rebook.optimizer.core.solver import solve
from rebook.optimizer.core.widening import _bound_around

from .conftest import T0, booking, index, leg
from .linear_model import LinearModel

# No MIP and no ejection: only the LP and its rounding decide.
ROUNDING_ONLY = OptimizerSettings(mip_max_variables=0, ejection_max_attempts=0)


def _family_and_singles():
    # Five seats on the 13:00, three on the 16:00, ten people: a family of four and six gold
    # travellers (dearer to strand per head).
    bad = leg(1, "FRA", "MUC", 30)
    soon = leg(2, "FRA", "MUC", 60, seats={Cabin.ECONOMY: 5})
    later = leg(3, "FRA", "MUC", 240, seats={Cabin.ECONOMY: 3})
    family = booking("FAMILY", (bad,), party=4)
    singles = [booking(f"GOLD{i}", (bad,), tier=Tier.GOLD) for i in range(6)]
    flights = index(replace(bad, status=FlightStatus.CANCELLED), soon, later)
    cancel = Disruption("C", 1, DisruptionKind.CANCELLATION, "RB", (bad.leg_id,), T0)
    affected = find_affected(flights, [family, *singles], [cancel], ROUNDING_ONLY, T0)
    avail = seat_availability(flights, affected, {})
    builder = CandidateBuilder(flights, avail, ROUNDING_ONLY, T0)
    return affected, builder.build(affected), avail, builder.no_option_costs(affected), soon, singles


def test_a_party_the_lp_half_seats_gets_its_seats_before_single_travellers() -> None:
    # The LP strands half the family and fills every seat; rounding that half down would strand
    # the whole family with two seats unused.  The optimum seats the family on the 13:00 and
    # strands two single travellers.
    affected, candidates, avail, no_option, soon, singles = _family_and_singles()
    solution = solve(affected, candidates, avail, ROUNDING_ONLY, no_option)
    seated = solution.assignment["FAMILY"]
    assert seated is not None and seated.segments[0].leg_id == soon.leg_id
    assert sum(1 for s in singles if solution.assignment[s.record_locator] is None) == 2
    assert solution.method == "lp-parties-first"


def test_a_component_whose_bookings_and_options_did_not_change_is_not_solved_again() -> None:
    affected, candidates, avail, no_option, _, _ = _family_and_singles()
    memo: dict = {}
    first = solve(affected, candidates, avail, ROUNDING_ONLY, no_option, memo=memo)
    again = solve(affected, candidates, avail, ROUNDING_ONLY, no_option, memo=memo)
    assert "lp" in first.phases and "lp" not in again.phases  # the second took the memo's result
    assert again.assignment == first.assignment and again.lower_bound == first.lower_bound
    fewer = {**candidates, "GOLD0": candidates["GOLD0"][:1]}  # one booking's options changed
    assert "lp" in solve(affected, fewer, avail, ROUNDING_ONLY, no_option, memo=memo).phases


def test_linear_model_solves_to_the_optimum_and_names_what_stopped_it() -> None:
    model = LinearModel()
    x, y, z = (model.column(cost, 10, False) for cost in (2.0, 3.0, 5.0))
    model.row(3, 3, [(z, 1.0), (x, 1.0), (y, 1.0)])  # terms in any order
    model.row(-math.inf, 1, [(x, 1.0)])
    model.row(-math.inf, 1.5, [(y, 1.0)])
    solved = solve_linear(model.arrays(), time_limit_s=10)
    assert isinstance(solved, LinearResult)
    assert solved.values.tolist() == [1.0, 1.5, 0.5] and solved.objective == solved.bound == 9.0

    model.row(0, 1, [(x, 1.0), (z, 1.0)])  # x + z ≤ 1 with y ≤ 1.5 cannot make 3
    assert solve_linear(model.arrays(), time_limit_s=10) is Stop.NOT_SOLVED


def test_a_mip_rounds_and_a_work_limit_stops_an_lp_the_same_way_on_any_machine() -> None:
    mip = LinearModel()
    units = mip.column(-1.0, 5.5, True)
    mip_solved = solve_linear(mip.arrays(), time_limit_s=10)
    assert isinstance(mip_solved, LinearResult)
    assert (mip_solved.values.tolist(), mip_solved.objective, mip_solved.bound) == ([5.0], -5.0, -5.0)

    lp = LinearModel()
    columns = [lp.column(1.0 + i % 7, 4, False) for i in range(200)]
    for i in range(0, 200, 2):
        lp.row(1, math.inf, [(columns[i], 1.0), (columns[i + 1], 1.0)])
    lp.row(-math.inf, 150, [(c, 1.0) for c in columns])
    assert units == 0
    assert solve_linear(lp.arrays(), time_limit_s=10, iteration_limit=1) is Stop.ITERATIONS
    assert isinstance(solve_linear(lp.arrays(), time_limit_s=10), LinearResult)


def test_the_lps_seat_prices_give_back_its_bound_and_bound_wider_candidates() -> None:
    affected, candidates, avail, no_option, _, _ = _family_and_singles()
    solution = solve(affected, candidates, avail, ROUNDING_ONLY, no_option)
    assert solution.seat_prices, "both flights are full: their seats have a price"
    priced = priced_bound(affected, candidates, avail, solution.seat_prices, no_option)
    assert math.isclose(priced, solution.lower_bound, rel_tol=1e-9)
    assert relaxed_bound(affected, candidates, no_option) < priced  # prices make it tighter
    fewer = {k: v[:1] for k, v in candidates.items()}  # a subset of options cannot bound lower
    assert priced_bound(affected, fewer, avail, solution.seat_prices, no_option) >= priced - 1e-6


def test_the_widening_rounds_bound_lies_between_the_priced_one_and_the_optimum() -> None:
    # Round 0 priced the seats of the 13:00 and 16:00; say the 16:00 is the round's new seats:
    # kept as exact rows, its seats are not free, so the bound is tighter than pricing alone
    # and still below the best plan.
    affected, candidates, avail, no_option, _, _ = _family_and_singles()
    first = solve(affected, candidates, avail, ROUNDING_ONLY, no_option)
    later = {(s.leg_id, s.cabin) for c in candidates["GOLD0"][1:] for s in c.segments}

    def model(cands, among=affected, seats=avail):
        return solve(among, cands, seats, ROUNDING_ONLY, no_option)

    bound = _bound_around(later, affected, first.seat_prices, candidates, model, affected, avail, no_option)
    exact = replace(ROUNDING_ONLY, mip_max_variables=1000, target_gap=0.0)
    optimum = solve(affected, candidates, avail, exact, no_option).objective
    priced = priced_bound(affected, candidates, avail, first.seat_prices, no_option)
    assert priced - 1e-6 <= bound <= optimum + 1e-6

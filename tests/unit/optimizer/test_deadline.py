"""Deadline reporting of the widened solve, and the benchmark's instance sizing (no timing)."""

from dataclasses import replace

from hypothesis import given, settings

from rebook.optimizer.core import CandidateBuilder, find_affected, seat_availability
from rebook.optimizer.core.solvers import DEFAULT_SOLVER, SOLVERS
from rebook.optimizer.core.widening import solve_widening
from rebook.tooling.sim.generator import meltdown

from .conftest import T0
from .test_properties import S, scenarios


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_deadline_hit_survives_when_the_greedy_plan_is_kept(scenario) -> None:
    flights, bookings, disruptions = scenario
    affected = find_affected(flights, bookings, disruptions, S, T0)
    avail = seat_availability(flights, affected, {})
    builder = CandidateBuilder(flights, avail, S, T0)
    real = SOLVERS[DEFAULT_SOLVER]

    def cut_short(*args, **kwargs):  # a solve that ran out of time and found a bad plan
        out = real.solve(*args, **kwargs)
        return replace(out, objective=out.objective + 1e9, deadline_hit=True, limits_hit=("wall-clock",))

    SOLVERS[DEFAULT_SOLVER] = replace(real, solve=cut_short)  # type: ignore[index]
    try:
        _, best = solve_widening(affected, builder, builder.build(affected), avail, S)
    finally:
        SOLVERS[DEFAULT_SOLVER] = real  # type: ignore[index]
    if affected:
        assert best.deadline_hit and "wall-clock" in best.limits_hit
        assert best.lower_bound <= best.objective + 1e-6


def test_hub_runs_double_banks_only_for_the_largest_meltdowns() -> None:
    small = meltdown.frequencies(meltdown.SPOKES[:53], 10_000 / meltdown.DISRUPTED_PER_DEPARTURE)
    large = meltdown.frequencies(meltdown.SPOKES, 50_000 / meltdown.DISRUPTED_PER_DEPARTURE)
    assert max(small.values()) == meltdown.BANKS  # the 10k instance is unchanged: one per bank
    assert max(large.values()) == 2 * meltdown.BANKS
    assert sum(large.values()) > 1.5 * len(meltdown.SPOKES) * meltdown.BANKS / 2

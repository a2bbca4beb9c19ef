"""Solvers are declared once (``core.solvers.SOLVERS``) and every place that offers a choice
reads that declaration."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import OptimizerSettings, plan_rebooking
from rebook.optimizer.core.greedy import solve_greedy
from rebook.optimizer.core.solvers import (
    BASELINE_SOLVER,
    DEFAULT_SOLVER,
    SOLVER_NAMES,
    SOLVERS,
    SolverChoice,
    solver_choice,
)
from rebook.optimizer.main import load_settings
from rebook.runtime.config import ConfigError, Env
from rebook.tooling.solve_cli import add_arguments
from tests.unit.optimizer.conftest import T0, booking, index, leg


def test_the_choices_are_the_registry() -> None:
    assert SOLVER_NAMES == ("optimal", "greedy") and (DEFAULT_SOLVER, BASELINE_SOLVER) == SOLVER_NAMES
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    (solver,) = [a for a in parser._actions if a.dest == "solver"]
    assert tuple(solver.choices) == SOLVER_NAMES and solver.default == DEFAULT_SOLVER
    assert load_settings(Env({"REBOOK_OPTIMIZER_SOLVER": "greedy"})).solver == "greedy"
    with pytest.raises(ConfigError, match="optimal, greedy"):
        load_settings(Env({"REBOOK_OPTIMIZER_SOLVER": "annealing"}))
    with pytest.raises(ValueError, match="one of optimal, greedy"):
        solver_choice("annealing")


def test_a_solver_added_as_one_row_is_the_one_the_plan_runs(monkeypatch) -> None:
    calls: list[int] = []

    def first_come(affected, candidates, availability, settings, no_option):
        calls.append(len(affected))
        return solve_greedy(affected, candidates, availability, settings, no_option)

    monkeypatch.setitem(SOLVERS, "first-come", SolverChoice("first-come", first_come, "a test's solver"))
    first, later = leg(100, "FRA", "JFK", 0, 480), leg(101, "FRA", "JFK", 300, 480)
    disruption = Disruption(f"CANCELLATION:{first.leg_id}", 1, DisruptionKind.CANCELLATION, "RB", (first.leg_id,), T0)
    flights = index(replace(first, status=FlightStatus.CANCELLED), later)
    settings = OptimizerSettings(k_best=4, time_limit_s=5, solver="first-come")
    bookings = [booking("AAAAA1", (first,))]
    plan = plan_rebooking(flights, bookings, [disruption], {}, {}, settings, T0)
    assert calls == [1]
    assert [s.leg_id for s in plan.options[0].primary.segments] == [later.leg_id]
    baseline = plan_rebooking(flights, bookings, [disruption], {}, {}, replace(settings, solver="greedy"), T0)
    assert calls == [1]  # the baseline is the pipeline's own first step: no solver call
    assert baseline.options[0].primary == plan.options[0].primary

"""The solvers a plan can be made with, declared once.

Every place that lets a user pick one reads ``SOLVERS``: ``rebook solve --solver``, the
optimizer's ``REBOOK_OPTIMIZER_SOLVER``, ``Simulate``'s ``solver`` field, the benches and the
demo.  The plan pipeline (``widening.solve_widening``) runs the greedy baseline first, then the
chosen solver on the candidates (widened while bookings are left without a seat); a solver
marked ``baseline`` *is* that first step and is returned as it is.

Adding a solver: a module with a function of the ``SolveFn`` shape (``greedy.py`` is the
smallest example), one row below, and its test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .affected import Affected
from .candidate import Candidate
from .greedy import solve_greedy
from .groups import LegCabin
from .settings import OptimizerSettings
from .solution import Solution
from .solver import solve as solve_model

# (affected, candidates per record locator, seats per leg and cabin, settings, cost of no seat)
SolveFn = Callable[
    [
        Sequence[Affected],
        Mapping[str, Sequence[Candidate]],
        Mapping[LegCabin, int],
        OptimizerSettings,
        Mapping[str, float],
    ],
    Solution,
]


class ReusingSolveFn(Protocol):
    """A ``SolveFn`` that can reuse its per-component results across one plan's solves."""

    def __call__(
        self,
        affected: Sequence[Affected],
        candidates: Mapping[str, Sequence[Candidate]],
        availability: Mapping[LegCabin, int],
        settings: OptimizerSettings,
        no_option: Mapping[str, float],
        *,
        memo: dict[tuple[Any, ...], Any] | None = None,
    ) -> Solution: ...


@dataclass(frozen=True, slots=True)
class SolverChoice:
    name: str
    solve: SolveFn
    help: str
    baseline: bool = False  # the pipeline's warm start itself: no model, no widening
    # ``solve`` also takes ``memo=``, a dict it keeps per-component results in across the
    # widening rounds of one plan (a ``ReusingSolveFn``, as ``solver.solve``).
    reuses_components: bool = False


SOLVERS: Mapping[str, SolverChoice] = {
    choice.name: choice
    for choice in (
        SolverChoice(
            "optimal", solve_model, "the OR-Tools model (LP, MIP where small enough, ejection)", reuses_components=True
        ),
        SolverChoice("greedy", solve_greedy, "the greedy baseline: next available flight, first come", True),
    )
}
SOLVER_NAMES: tuple[str, ...] = tuple(SOLVERS)
DEFAULT_SOLVER = "optimal"
BASELINE_SOLVER = next(name for name, choice in SOLVERS.items() if choice.baseline)


def solver_choice(name: str) -> SolverChoice:
    """The solver called ``name``; ``ValueError`` naming the choices if there is none."""
    try:
        return SOLVERS[name]
    except KeyError:
        raise ValueError(f"solver must be one of {', '.join(SOLVER_NAMES)}") from None

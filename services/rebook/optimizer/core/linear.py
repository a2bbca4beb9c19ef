"""Linear and mixed-integer programs solved by HiGHS through OR-Tools MathOpt.

The model is handed over as arrays (``LinearArrays``) in one ``ModelProto`` rather than built
variable by variable: at meltdown size (40,000 columns) building through ``pywraplp`` took
twice as long as HiGHS's solve.  HiGHS runs serial (``parallel=off``), so the vertex it returns is the same on
any machine; iteration and node limits are the work limits, the time limit is the safety net.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt
from ortools.math_opt import callback_pb2, model_parameters_pb2, model_pb2, parameters_pb2, result_pb2
from ortools.math_opt.core.python import solver as mathopt
from pybind11_abseil.status import StatusNotOk


class Stop(Enum):
    """Why a solve ended without a proven optimum."""

    ITERATIONS = "lp-iterations"
    NODES = "mip-nodes"
    WALL_CLOCK = "wall-clock"
    NOT_SOLVED = "not-solved"  # infeasible, or the solver failed


@dataclass(frozen=True, slots=True)
class LinearArrays:
    """min cost·x  s.t.  row_lower ≤ A x ≤ row_upper,  0 ≤ x ≤ upper, ``integer`` where set;
    ``A`` as (rows, columns, coefficients) triplets sorted row-major, as MathOpt requires."""

    cost: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    integer: npt.NDArray[np.bool_]
    row_lower: npt.NDArray[np.float64]
    row_upper: npt.NDArray[np.float64]
    rows: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    coefficients: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LinearResult:
    values: npt.NDArray[np.float64]  # per column
    objective: float
    bound: float  # the LP optimum, or the MIP's proven dual bound
    # Per row, the LP's dual value (MathOpt's sign: ≤ 0 on a binding upper bound); zeros for a MIP.
    duals: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def solve_linear(
    model: LinearArrays, *, time_limit_s: float, iteration_limit: int = 0, node_limit: int = 0
) -> LinearResult | Stop:
    """The proven optimum of ``model``, or why there is none (a limit or a solver failure)."""
    try:
        result = mathopt.solve(
            _proto(model),
            parameters_pb2.SOLVER_TYPE_HIGHS,
            parameters_pb2.SolverInitializerProto(),
            _parameters(time_limit_s, iteration_limit, node_limit),
            model_parameters_pb2.ModelSolveParametersProto(),
            None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )
    except StatusNotOk:  # HiGHS ended in a state MathOpt cannot translate ("model status Unknown")
        return Stop.NOT_SOLVED
    termination = result.termination
    if termination.reason != result_pb2.TERMINATION_REASON_OPTIMAL or not result.solutions:
        return _stop(termination.limit)
    primal = result.solutions[0].primal_solution
    values = np.zeros(len(model.cost))
    values[np.array(primal.variable_values.ids, dtype=np.int64)] = primal.variable_values.values
    duals = np.zeros(len(model.row_lower))
    if result.solutions[0].HasField("dual_solution"):
        dual = result.solutions[0].dual_solution.dual_values
        duals[np.array(dual.ids, dtype=np.int64)] = dual.values
    bound = termination.objective_bounds.dual_bound
    objective = primal.objective_value
    return LinearResult(values, objective, bound if math.isfinite(bound) else objective, duals)


def _proto(model: LinearArrays) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto()
    n = len(model.cost)
    proto.variables.ids.extend(range(n))
    proto.variables.lower_bounds.extend([0.0] * n)
    proto.variables.upper_bounds.extend(model.upper.tolist())
    proto.variables.integers.extend(model.integer.tolist())
    used = np.flatnonzero(model.cost)
    proto.objective.linear_coefficients.ids.extend(used.tolist())
    proto.objective.linear_coefficients.values.extend(model.cost[used].tolist())
    proto.linear_constraints.ids.extend(range(len(model.row_lower)))
    proto.linear_constraints.lower_bounds.extend(model.row_lower.tolist())
    proto.linear_constraints.upper_bounds.extend(model.row_upper.tolist())
    matrix = proto.linear_constraint_matrix  # row-major already (see LinearArrays)
    matrix.row_ids.extend(model.rows.tolist())
    matrix.column_ids.extend(model.columns.tolist())
    matrix.coefficients.extend(model.coefficients.tolist())
    return proto


def _parameters(time_limit_s: float, iteration_limit: int, node_limit: int) -> parameters_pb2.SolveParametersProto:
    params = parameters_pb2.SolveParametersProto(enable_output=False)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if iteration_limit:
        params.iteration_limit = iteration_limit
    if node_limit:
        params.node_limit = node_limit
    # Serial HiGHS: threads cannot be set through MathOpt, only this HiGHS option.
    params.highs.string_options["parallel"] = "off"
    # Presolve finds little to remove in an assignment and cost a fifth of the LP's time at
    # 10k and 50k passengers.
    params.highs.string_options["presolve"] = "off"
    return params


def _stop(limit: int) -> Stop:
    return {
        result_pb2.LIMIT_ITERATION: Stop.ITERATIONS,
        result_pb2.LIMIT_NODE: Stop.NODES,
        result_pb2.LIMIT_TIME: Stop.WALL_CLOCK,
    }.get(limit, Stop.NOT_SOLVED)

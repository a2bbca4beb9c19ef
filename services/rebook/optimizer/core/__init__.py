"""Pure optimizer core: plain domain data in, a rebooking plan out (no gRPC, no Kafka)."""

from rebook.domain.disruptions import Reason, predicted_unusable

from .affected import Affected, find_affected
from .candidate import Candidate
from .candidates import CandidateBuilder, seat_availability
from .explain import explain
from .greedy import solve_greedy
from .rebook import NoSeat, Plan, PlanStats, RebookingOption, plan_rebooking
from .settings import CoTerminalGroup, OptimizerSettings
from .solution import Solution, SubGroup
from .solver import solve

__all__ = [
    "Affected",
    "Candidate",
    "CandidateBuilder",
    "CoTerminalGroup",
    "NoSeat",
    "OptimizerSettings",
    "Plan",
    "PlanStats",
    "Reason",
    "RebookingOption",
    "Solution",
    "SubGroup",
    "explain",
    "find_affected",
    "plan_rebooking",
    "predicted_unusable",
    "seat_availability",
    "solve",
    "solve_greedy",
]

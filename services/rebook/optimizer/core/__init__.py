"""Pure optimizer core: plain domain data in, a rebooking plan out (no gRPC, no Kafka)."""

from .affected import Affected, Reason, find_affected
from .candidates import Candidate, CandidateBuilder, seat_availability
from .explain import explain
from .greedy import solve_greedy
from .rebook import NoSeat, Plan, PlanStats, RebookingOption, plan_rebooking, predicted_unusable
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

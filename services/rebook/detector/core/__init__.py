"""Pure core of the detector: plain data in, plain data out (no grpc, no kafka).

The servicer and the Kafka loop call ``FlightStateStore``; ``rebook solve`` calls ``replay``.
"""

from .events import (
    ActualTimes,
    Cancellation,
    Change,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)
from .replay import ReplayResult, replay
from .rules import Prediction, RotationView, disruption_id
from .settings import DetectorSettings
from .state import ApplyResult, FlightStateStore, LoadResult
from .validation import schedule_violations, validate_schedule

__all__ = [
    "ActualTimes",
    "ApplyResult",
    "Cancellation",
    "Change",
    "DetectorSettings",
    "Diversion",
    "EquipmentChange",
    "EstimateChange",
    "FlightEvent",
    "FlightStateStore",
    "LoadResult",
    "Prediction",
    "Reinstatement",
    "ReplayResult",
    "RotationView",
    "disruption_id",
    "replay",
    "schedule_violations",
    "validate_schedule",
]

"""Flight operations: how events change a leg's state, rotations and disruptions.

A library, not a service: the detector runs it behind its gRPC API and Kafka writes, the
optimizer's ``Simulate`` runs it on hypothetical events, and ``rebook solve`` replays a
scenario with it.  No service imports another service; they share this.

Where each part is:

- pure (plain data in, plain data out; no grpc, no kafka): ``events`` (what a flight event
  says), ``transitions`` (how one event changes one leg), ``rules`` (which disruptions a leg
  has, rotation propagation, versions), ``state.FlightStateStore`` (every leg, rotation and
  published disruption; transactional writes), ``validation``, ``settings``, ``records``,
  ``replay`` (a scenario in, final state out);
- ``convert`` — ``FlightEvent`` protobuf ⇄ plain data;
- ``config`` — ``DetectorSettings`` from ``REBOOK_DETECTOR_*`` variables.

What each disruption kind is lives in ``rebook.domain.disruptions.KINDS``.
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

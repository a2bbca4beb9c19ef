"""Flight events: the content of IATA ASM, MVT and AIDX messages, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rebook.domain.model import Cabin


@dataclass(frozen=True, slots=True)
class EstimateChange:
    """New estimated times; ``None`` keeps the previous estimate."""

    departure: datetime | None = None
    arrival: datetime | None = None


@dataclass(frozen=True, slots=True)
class Cancellation:
    """The leg will not operate (ASM CNL)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class Reinstatement:
    """A cancelled leg will operate after all (ASM RIN)."""


@dataclass(frozen=True, slots=True)
class Diversion:
    """The leg lands, or will land, at ``airport`` instead of its destination."""

    airport: str


@dataclass(frozen=True, slots=True)
class EquipmentChange:
    """Another aircraft flies the leg (ASM EQT); ``capacity`` is per cabin of the new aircraft."""

    tail_number: str
    aircraft_type: str
    capacity: Mapping[Cabin, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActualTimes:
    """Actual movement times (MVT/AIDX); ``None`` leaves a time unchanged."""

    off_block: datetime | None = None
    takeoff: datetime | None = None
    landing: datetime | None = None
    in_block: datetime | None = None


Change = EstimateChange | Cancellation | Reinstatement | Diversion | EquipmentChange | ActualTimes

# Field-path name of each change, matching the ``FlightEvent.change`` oneof in event.proto.
CHANGE_FIELD: dict[type, str] = {
    EstimateChange: "estimate",
    Cancellation: "cancellation",
    Reinstatement: "reinstatement",
    Diversion: "diversion",
    EquipmentChange: "equipment_change",
    ActualTimes: "actuals",
}


@dataclass(frozen=True, slots=True)
class FlightEvent:
    """One operational event about one leg; ``event_id`` is chosen by the sender."""

    event_id: str
    leg_id: str
    event_time: datetime
    change: Change

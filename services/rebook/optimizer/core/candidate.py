"""The ``Candidate`` type: one itinerary a booking may be offered, priced, with what it owes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rebook.domain.model import Segment

from . import costs


@dataclass(frozen=True, slots=True)
class Candidate:
    """One itinerary for one booking, with the seats (cabins) it would take and its cost."""

    segments: tuple[Segment, ...]
    departure: datetime
    arrival: datetime  # at the final destination, ground transfer included
    delay_min: int
    downgrade_steps: int
    airport_change: bool
    cost: float  # in the carrier's money (``costs.option_cost``)
    entitlements: costs.Entitlements | None = None  # per passenger, for this option
    at_risk: bool = False  # a leg's aircraft is out of position (usable, at a risk cost)
    earlier: bool = False  # leaves before the party wants to travel: an alternative, never the primary
    airport_changes: tuple[AirportChange, ...] = ()  # every airport it changes, in travel order
    interline: bool = False  # a leg is flown by an interline (not partner) carrier, at a cost

    def __hash__(self) -> int:
        # Equal candidates have equal seats and cost: hashing those alone keeps the solver's
        # grouping of identical option lists cheap (every field would hash the entitlements).
        return hash((self.segments, self.cost))


@dataclass(frozen=True, slots=True)
class AirportChange:
    """The party uses ``used`` instead of ``booked`` (co-terminals), ``transfer`` apart on the ground."""

    booked: str
    used: str
    transfer: timedelta

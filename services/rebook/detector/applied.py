"""What a restart needs to recognise replayed events: the latest applied event per leg and kind.

Written as the ``rebook-applied-events`` header of each flights-topic message (so compaction
keeps it with the leg's latest state), as JSON ``{"estimate": ["ev-17", "2026-11-23T09:58:00+00:00"]}``.
After a restart the core gets these back as already-applied events: a replay of any of them is
a known id, and a replay of an older event of the same kind is stale; both change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime

from rebook.flightops.events import (
    ActualTimes,
    Cancellation,
    Change,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)

APPLIED_HEADER = "rebook-applied-events"

# Per change kind (``estimate``, ...): (event id, event time) of the latest event applied to a leg.
AppliedEvents = dict[str, tuple[str, datetime]]

# ``FlightStateStore.restore`` reads only id, leg, time and the kind of change of an applied
# event, so a content-free change of the right kind stands in for the original.
_STAND_INS: dict[str, Change] = {
    "estimate": EstimateChange(),
    "cancellation": Cancellation(),
    "reinstatement": Reinstatement(),
    "diversion": Diversion(""),
    "equipment_change": EquipmentChange("", ""),
    "actuals": ActualTimes(),
}


# ``json.dumps(..., separators=...)`` builds a new encoder per call; this is the same one, kept.
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode(applied: AppliedEvents) -> bytes:
    body = {kind: [event_id, at.isoformat()] for kind, (event_id, at) in applied.items()}
    return _ENCODER.encode(body).encode()


def decode(text: str) -> AppliedEvents:
    """The header's content; raises ``ValueError`` when it is not what ``encode`` writes."""
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("applied events must be a JSON object")
    return {
        kind: (str(event_id), datetime.fromisoformat(at)) for kind, (event_id, at) in body.items() if kind in _STAND_INS
    }


def as_events(applied: Mapping[str, AppliedEvents]) -> Iterator[FlightEvent]:
    """The applied events of every leg, for ``FlightStateStore.restore``."""
    for leg_id, kinds in applied.items():
        for kind, (event_id, at) in kinds.items():
            yield FlightEvent(event_id, leg_id, at, _STAND_INS[kind])

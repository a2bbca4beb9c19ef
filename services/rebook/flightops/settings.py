"""Tunables of the flight-state core: delay thresholds and turn times (``REBOOK_DETECTOR_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import cast

from rebook.domain.model import FlightLeg

# The model's own default for FlightLeg.min_turn: a leg carrying it has no leg-specific turn.
_MODEL_DEFAULT_TURN = cast(timedelta, next(f.default for f in fields(FlightLeg) if f.name == "min_turn"))


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """Thresholds and turn times; per-carrier / per-type maps override the defaults."""

    delay_threshold_default: timedelta = timedelta(minutes=15)
    delay_threshold_by_carrier: Mapping[str, timedelta] = field(default_factory=dict)
    default_min_turn: timedelta = timedelta(minutes=45)
    min_turn_by_aircraft_type: Mapping[str, timedelta] = field(default_factory=dict)
    # Event ids remembered for exact-replay detection (content idempotency covers the rest).
    seen_event_ids_max: int = 1_000_000
    # Event times accepted around the clock: a far-future event would make every real one
    # look stale; None = no bound (what-if simulations of hypothetical events).
    max_future_skew: timedelta | None = timedelta(minutes=10)
    max_event_age: timedelta | None = timedelta(days=30)

    def delay_threshold(self, carrier: str) -> timedelta:
        return self.delay_threshold_by_carrier.get(carrier, self.delay_threshold_default)

    def min_turn(self, leg: FlightLeg) -> timedelta:
        """Minimum ground time before ``leg`` departs.

        A leg-specific ``min_turn`` (anything but the model default) wins, then the aircraft
        type's, then the default.
        """
        if leg.min_turn != _MODEL_DEFAULT_TURN:
            return leg.min_turn
        return self.min_turn_by_aircraft_type.get(leg.aircraft_type, self.default_min_turn)

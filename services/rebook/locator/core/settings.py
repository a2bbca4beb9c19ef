"""Tunables of the passenger locator (plain data; the service fills them from config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from rebook.domain.airport_index import AirportSize


@dataclass(frozen=True, slots=True)
class LocatorSettings:
    """How pings become a published proximity.

    ``stale_after``: a proximity whose ping is older is flagged stale.
    ``retention``: raw pings older than this are dropped (and rejected on arrival).
    ``debounce_step``: republish when time-to-gate moved by more than this.
    ``refresh_after``: republish an unchanged proximity once its ping is this old, so that
    the compacted topic does not turn stale while a passenger keeps pinging from one place.
    ``clock_skew``: how far in the future a device's ping time may be.
    ``at_airport_km`` / ``curb_to_gate``: per airport size, the radius that counts as "at
    the airport" and the time from the curb to the gate (security, walking).
    ``nearby_km``: NEARBY up to this distance, FAR beyond.
    ``nearby_speed_kmh`` / ``far_speed_kmh``: door-to-curb speed for the last ``nearby_km``
    (city traffic, parking) and for the distance beyond (highway).
    """

    stale_after: timedelta = timedelta(minutes=15)
    retention: timedelta = timedelta(hours=24)
    debounce_step: timedelta = timedelta(minutes=5)
    refresh_after: timedelta = timedelta(minutes=10)
    clock_skew: timedelta = timedelta(minutes=2)
    nearby_km: float = 60.0
    nearby_speed_kmh: float = 30.0
    far_speed_kmh: float = 60.0
    at_airport_km: Mapping[AirportSize, float] = field(
        default_factory=lambda: MappingProxyType(
            {AirportSize.LARGE: 5.0, AirportSize.MEDIUM: 3.0, AirportSize.SMALL: 2.0}
        )
    )
    curb_to_gate: Mapping[AirportSize, timedelta] = field(
        default_factory=lambda: MappingProxyType(
            {
                AirportSize.LARGE: timedelta(minutes=45),
                AirportSize.MEDIUM: timedelta(minutes=30),
                AirportSize.SMALL: timedelta(minutes=20),
            }
        )
    )

    def __post_init__(self) -> None:
        spans = (self.stale_after, self.retention, self.debounce_step, self.refresh_after, self.clock_skew)
        if any(span < timedelta(0) for span in spans):
            raise ValueError("locator time spans must not be negative")
        if min(self.nearby_speed_kmh, self.far_speed_kmh) <= 0 or self.nearby_km <= 0:
            raise ValueError("locator speeds and nearby_km must be positive")
        if set(self.at_airport_km) != set(AirportSize) or set(self.curb_to_gate) != set(AirportSize):
            raise ValueError("at_airport_km and curb_to_gate need a value for every airport size")

"""Checks on incoming pings and airport codes; every problem is reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import isfinite

from rebook.domain.airport_index import Airport, AirportIndex
from rebook.domain.errors import FieldViolation, PermissionDeniedError, ValidationError
from rebook.locator.core.settings import LocatorSettings

MAX_PASSENGER_ID_LEN = 128  # opaque tokens are short; a cap bounds what we keep in memory


@dataclass(frozen=True, slots=True)
class LocationPing:
    """One position report from a passenger's app.  Never logged, never published."""

    passenger_id: str
    latitude: float
    longitude: float
    ping_time: datetime
    consent: bool

    def __repr__(self) -> str:
        # Keep coordinates out of logs and tracebacks that print the object.
        return f"LocationPing(passenger_id={self.passenger_id!r}, ping_time={self.ping_time.isoformat()})"


def ping_violations(ping: LocationPing, settings: LocatorSettings, now: datetime) -> list[FieldViolation]:
    """Everything wrong with ``ping`` as of ``now`` (empty when valid)."""
    return [
        *_passenger_id_violations(ping.passenger_id),
        *_coordinate_violations("ping.latitude", ping.latitude, 90.0),
        *_coordinate_violations("ping.longitude", ping.longitude, 180.0),
        *_time_violations(ping.ping_time, settings, now),
    ]


def validate_ping(ping: LocationPing, settings: LocatorSettings, now: datetime) -> None:
    """Raise ``PermissionDeniedError`` without consent, ``ValidationError`` if malformed."""
    if not ping.consent:
        # Checked first: without consent we do not look at the position at all.
        raise PermissionDeniedError("passenger has not consented to location sharing", reason="NO_LOCATION_CONSENT")
    violations = ping_violations(ping, settings, now)
    if violations:
        raise ValidationError(violations)


def require_airport(code: str, index: AirportIndex, field: str = "airport") -> Airport:
    """The airport for ``code``; ``ValidationError`` on ``field`` if the code is unknown."""
    airport = index.lookup(code)
    if airport is None:
        raise ValidationError([FieldViolation(field, f"unknown IATA airport code {code!r}")])
    return airport


def validate_passenger_id(passenger_id: str, field: str = "passenger_id") -> None:
    """``ValidationError`` on ``field`` if the id is empty or too long."""
    violations = _passenger_id_violations(passenger_id, field)
    if violations:
        raise ValidationError(violations)


def _passenger_id_violations(passenger_id: str, field: str = "ping.passenger_id") -> list[FieldViolation]:
    if not passenger_id.strip():
        return [FieldViolation(field, "must not be empty")]
    if len(passenger_id) > MAX_PASSENGER_ID_LEN:
        return [FieldViolation(field, f"must be at most {MAX_PASSENGER_ID_LEN} characters")]
    return []


def _coordinate_violations(field: str, value: float, bound: float) -> list[FieldViolation]:
    # The value itself is deliberately not echoed: error details may reach logs.
    if not isfinite(value):
        return [FieldViolation(field, "must be a finite number")]
    if not -bound <= value <= bound:
        return [FieldViolation(field, f"must be within [-{bound:g}, {bound:g}] degrees")]
    return []


def _time_violations(ping_time: datetime, settings: LocatorSettings, now: datetime) -> list[FieldViolation]:
    if ping_time.tzinfo is None or ping_time.utcoffset() is None:
        return [FieldViolation("ping.ping_time", "must be timezone-aware")]
    if ping_time > now + settings.clock_skew:
        return [FieldViolation("ping.ping_time", f"is in the future (allowed skew {settings.clock_skew})")]
    if ping_time < now - settings.retention:
        return [FieldViolation("ping.ping_time", f"is older than the retention of {settings.retention}")]
    return []

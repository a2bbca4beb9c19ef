"""Where the synthetic airlines fly: real airports (``rebook.domain.airports``), great-circle
distances and block times from them."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from rebook.domain import airports
from rebook.domain.airport_index import haversine_km


def coordinates(code: str) -> tuple[float, float]:
    """(latitude, longitude) of a known airport."""
    row = airports.airport_rows()[code]
    return row["lat"], row["lon"]


@cache
def zone(code: str) -> ZoneInfo:
    """The airport's time zone; ``KeyError`` for a code the table does not know."""
    found = airports.zone(code)
    if found is None:
        raise KeyError(code)
    return found


def local_date(code: str, at: datetime) -> date:
    return at.astimezone(zone(code)).date()


@cache
def distance_km(a: str, b: str) -> float:
    return haversine_km(*coordinates(a), *coordinates(b))


def cruise_minutes(a: str, b: str) -> float:
    """Airborne minutes at ~810 km/h; each network adds its own taxi allowance and rounding."""
    return distance_km(a, b) / 13.5

"""The airport table every service reads: ``airportsdata`` loaded once per process."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import airportsdata


@cache
def airport_rows() -> dict[str, dict]:
    """``airportsdata``'s IATA table (code → name, city, country, lat, lon, tz, …)."""
    return airportsdata.load("IATA")


@cache
def zone(iata: str) -> ZoneInfo | None:
    """The airport's time zone; ``None`` for a station the table does not know."""
    row = airport_rows().get(iata)
    try:
        return ZoneInfo(row["tz"]) if row and row.get("tz") else None
    except ZoneInfoNotFoundError:
        return None


def local(t: datetime, iata: str) -> datetime:
    """``t`` on the airport's clock (unchanged, in UTC, where the zone is unknown)."""
    where = zone(iata)
    return t.astimezone(where) if where else t

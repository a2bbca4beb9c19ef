"""The station table every service reads: ``airportsdata`` loaded once per process, plus the
time zones a schedule gave for stations the table does not know (rail and bus stations such as
ZYR, new airports): once a leg named one (``FlightLeg.origin_zone``/``destination_zone``), the
process knows that station's clock."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from threading import Lock
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import airportsdata

_learned: dict[str, ZoneInfo] = {}
_learned_lock = Lock()
MAX_LEARNED = 10_000  # real networks name a few hundred extra stations; a bound against junk


@cache
def airport_rows() -> dict[str, airportsdata.Airport]:
    """``airportsdata``'s IATA table (code → name, city, country, lat, lon, tz, …)."""
    return airportsdata.load("IATA")


def known(iata: str) -> bool:
    """In the airport table."""
    return iata in airport_rows()


@cache
def _table_zone(iata: str) -> ZoneInfo | None:
    row = airport_rows().get(iata)
    try:
        return ZoneInfo(row["tz"]) if row and row.get("tz") else None
    except ZoneInfoNotFoundError:
        return None


def parse_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name`` (e.g. ``Europe/Brussels``), or None."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def learn_zone(iata: str, name: str) -> None:
    """Remembers the zone a schedule gave for a station the table does not know."""
    if not name or known(iata) or iata in _learned:
        return
    where = parse_zone(name)
    if where is not None:
        with _learned_lock:
            if len(_learned) < MAX_LEARNED:
                _learned[iata] = where


def zone(iata: str) -> ZoneInfo | None:
    """The station's time zone; ``None`` for one neither the table nor a schedule gave."""
    return _table_zone(iata) or _learned.get(iata)


def local(t: datetime, iata: str) -> datetime:
    """``t`` on the station's clock (unchanged, in UTC, where the zone is unknown)."""
    where = zone(iata)
    return t.astimezone(where) if where else t

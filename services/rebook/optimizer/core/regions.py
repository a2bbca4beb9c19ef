"""Where passenger-rights rules apply: countries, carriers' home regions, distance bands and
the causes counted as extraordinary circumstances.

Pure: distances are great-circle (``haversine_km`` over the airport data the locator uses); an
airport unknown to that data counts as the shortest band and no regime's country.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from rebook.domain.airport_index import default_index, haversine_km

BAND_LIMITS_KM = (1500.0, 3500.0)  # EU261 art. 7(1): ≤ 1500 km, 1500-3500 km, beyond
# fmt: off
EU_COUNTRIES = frozenset({
    # EU member states, EEA (IS, LI, NO), Switzerland, and EU outermost regions coded apart.
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    "IS", "LI", "NO", "CH", "GP", "MQ", "RE", "YT", "GF", "MF",
})
UK_COUNTRIES = frozenset({"GB"})
US_COUNTRIES = frozenset({"US", "PR", "VI", "GU", "MP", "AS"})
_EU_CARRIERS = ("LH", "AF", "KL", "IB", "AZ", "SK", "AY", "OS", "LX", "SN", "TP", "EI", "FR", "VY", "W6",
                "EW", "DY", "I2", "EN", "A3", "LO", "OK", "RO")
_UK_CARRIERS = ("BA", "VS", "LS", "BY", "MT")
_US_CARRIERS = ("AA", "UA", "DL", "WN", "B6", "AS", "NK", "F9", "G4", "HA", "MQ", "OO", "YX")
# fmt: on
DEFAULT_CARRIER_REGIONS = MappingProxyType(
    {
        **dict.fromkeys(_EU_CARRIERS, "EU"),
        **dict.fromkeys(_UK_CARRIERS, "UK"),
        **dict.fromkeys(_US_CARRIERS, "US"),
    }
)
EXTRAORDINARY_CAUSES = (
    # Causes the CJEU and national enforcement bodies accept as beyond the carrier's control.
    "WX", "weather", "storm", "thunderstorm", "snow", "ice", "fog", "volcanic", "ATC",
    "air traffic", "ground stop", "security", "bird strike", "political", "airport closure",
)  # fmt: skip


class Regime(StrEnum):
    """The passenger-rights regime whose compensation applies to a journey."""

    NONE = ""
    EU261 = "EU261"
    UK261 = "UK261"


@cache
def _airport(iata: str) -> tuple[float, float, str, str] | None:
    airport = default_index().lookup(iata)
    return None if airport is None else (airport.latitude, airport.longitude, airport.country, airport.tz)


@cache
def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two airports; 0 when either is unknown."""
    pa, pb = _airport(a), _airport(b)
    return 0.0 if pa is None or pb is None else haversine_km(pa[0], pa[1], pb[0], pb[1])


def band_of(km: float) -> int:
    return sum(km > limit for limit in BAND_LIMITS_KM)


def country_of(iata: str) -> str:
    found = _airport(iata)
    return found[2] if found else ""


@cache
def utc_offset_min(iata: str, when_hour: int) -> int:
    found = _airport(iata)
    if found is None:
        return 0
    offset = datetime.fromtimestamp(when_hour * 3600, ZoneInfo(found[3])).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def regime_for(origin: str, destination: str, carrier_region: str) -> tuple[Regime, bool]:
    """(compensation regime, US DOT refund rule) for a journey: EU261 departing the EU or on an
    EU carrier into the EU; UK261 likewise for the UK; DOT to, from or within the US."""
    dep, arr = country_of(origin), country_of(destination)
    if dep in EU_COUNTRIES or (arr in EU_COUNTRIES and carrier_region == "EU"):
        regime = Regime.EU261
    elif dep in UK_COUNTRIES or (arr in UK_COUNTRIES and carrier_region in ("UK", "EU")):
        regime = Regime.UK261
    else:
        regime = Regime.NONE
    return regime, dep in US_COUNTRIES or arr in US_COUNTRIES

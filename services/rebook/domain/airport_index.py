"""Airport index: lookup by IATA code, fast nearest-airport search and great-circle distance.

Airports come from the station table (``rebook.domain.airports``: ``airportsdata``, IATA-keyed,
loaded once per process).  Nearest search uses a 1 by 1 degree lat/lon grid.  Each cell
lazily gets the list of the only airports that can be nearest to *some* point inside it (see
``_candidates``), so a lookup is a few trig calls plus a dot product over a handful of unit
vectors, in plain Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from math import asin, cos, floor, pi, radians, sin, sqrt

import numpy as np

from rebook.domain.airports import airport_rows

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius

_IATA = re.compile(r"[A-Z]{3}")
_CELL_DEG = 1
_ROWS = 180 // _CELL_DEG
_COLS = 360 // _CELL_DEG


class AirportSize(IntEnum):
    """Size class of an airport; drives the at-airport radius and the curb-to-gate allowance."""

    LARGE = 1
    MEDIUM = 2
    SMALL = 3


# airportsdata has no size, so we curate one.  LARGE: the ~60 busiest passenger airports
# (ACI World rankings, 2019-2023); MEDIUM: the next ~180 busy airports across regions.
# Every other airport is SMALL.  Only the curb-to-gate estimate depends on this, so an
# airport in the wrong class costs minutes of estimate, never correctness.
_LARGE = """
    ATL DXB DFW LHR HND DEN IST LAX ORD DEL CDG JFK CAN AMS PVG PEK SIN MAD ICN FRA BKK
    CTU SZX MCO LAS CLT MIA SEA DOH BOM SFO EWR PHX IAH KUL JED MEX CGK BCN MUC SYD FCO
    GRU YYZ LGW MNL SHA BOS MSP DTW HKG TPE NRT KMG XIY HGH CKG BLR SAW RUH SVO
"""
_MEDIUM = """
    ZRH VIE CPH OSL ARN HEL DUB LIS BRU PMI MXP ATH WAW PRG BUD OTP LED DME VKO STN MAN
    EDI BHX GLA LTN ORY NCE LYS HAM DUS BER STR CGN AGP ALC VLC TFS LPA OPO NAP VCE BGY
    GVA ESB ADB AYT KRK TLV KEF
    AUH MCT BAH KWI CAI CMN JNB CPT ADD NBO LOS DMM MED SHJ
    HYD MAA CCU AMD COK GOI CMB DAC KTM ISB KHI LHE
    SGN HAN DAD CEB DPS SUB HKT PEN BKI DMK MFM MEL BNE PER ADL AKL
    OKA CTS FUK KIX NGO ITM GMP PUS CJU
    WUH CSX NKG XMN TSN SHE DLC HAK SYX NNG TAO FOC HRB URC TNA CGO KWE LHW TYN PKX
    YVR YUL YYC IAD DCA BWI FLL TPA SAN SLC PDX AUS BNA MDW HOU DAL STL MSY RDU SJC OAK
    SMF SAT MCI HNL SNA CLE PIT IND PHL LGA
    GDL MTY TIJ CUN SJD PTY SJO LIM SCL EZE AEP GIG BSB CNF VCP REC SSA POA FOR CWB MDE
    UIO BOG CLO SDQ PUJ MBJ HAV
"""
LARGE_HUBS = frozenset(_LARGE.split())
MEDIUM_AIRPORTS = frozenset(_MEDIUM.split())


def size_of(iata: str) -> AirportSize:
    """The curated size class of an airport (SMALL unless listed)."""
    if iata in LARGE_HUBS:
        return AirportSize.LARGE
    if iata in MEDIUM_AIRPORTS:
        return AirportSize.MEDIUM
    return AirportSize.SMALL


@dataclass(frozen=True, slots=True)
class Airport:
    """One airport with a real IATA code."""

    iata: str
    name: str
    country: str
    latitude: float
    longitude: float
    tz: str
    size: AirportSize


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = radians(lat1), radians(lat2)
    h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    p, q = radians(lat), radians(lon)
    c = cos(p)
    return c * cos(q), c * sin(q), sin(p)


def _cell(lat: float, lon: float) -> int:
    # lat 90 and lon 180 fall into the last row / wrap to the first column.
    row = min(floor(lat + 90.0) // _CELL_DEG, _ROWS - 1)
    col = (floor(lon + 180.0) // _CELL_DEG) % _COLS
    return row * _COLS + col


class AirportIndex:
    """Immutable set of airports with ``lookup`` by code and ``nearest`` by position.

    Thread-safe: the lazily filled cell table is only ever assigned whole entries, and two
    threads computing the same cell compute the same value.
    """

    def __init__(self, airports: Iterable[Airport]) -> None:
        self._by_code = {a.iata: a for a in airports}
        if not self._by_code:
            raise ValueError("an airport index needs at least one airport")
        self._airports = tuple(self._by_code.values())
        self._vectors = np.array([_unit(a.latitude, a.longitude) for a in self._airports])
        self._cells: list[tuple[tuple[float, float, float, Airport], ...] | None] = [None] * (_ROWS * _COLS)

    def __len__(self) -> int:
        return len(self._airports)

    def __contains__(self, iata: object) -> bool:
        return iata in self._by_code

    def lookup(self, iata: str) -> Airport | None:
        """The airport with this IATA code, or None if unknown."""
        return self._by_code.get(iata)

    def nearest(self, lat: float, lon: float) -> tuple[str, float]:
        """IATA code of the airport nearest to (lat, lon) in degrees, and its distance in km."""
        airport = self.nearest_airport(lat, lon)
        return airport.iata, haversine_km(lat, lon, airport.latitude, airport.longitude)

    def nearest_airport(self, lat: float, lon: float) -> Airport:
        """The airport nearest to (lat, lon) in degrees (largest dot product of unit vectors)."""
        x, y, z = _unit(lat, lon)
        key = _cell(lat, lon)
        candidates = self._cells[key]
        if candidates is None:
            candidates = self._cells[key] = self._candidates(key)
        best_dot, best = -2.0, candidates[0][3]
        for ax, ay, az, airport in candidates:
            dot = x * ax + y * ay + z * az
            if dot > best_dot:
                best_dot, best = dot, airport
        return best

    def _candidates(self, key: int) -> tuple[tuple[float, float, float, Airport], ...]:
        """Airports that can be nearest to some point of cell ``key``.

        With c the cell centre, r the largest angle from c to any point of the cell and d0
        the angle from c to its nearest airport: any point p of the cell has its nearest
        airport within r + d0 of p, hence within 2r + d0 of c (triangle inequality).
        """
        row, col = divmod(key, _COLS)
        south, west = row * _CELL_DEG - 90.0, col * _CELL_DEG - 180.0
        centre = np.array(_unit(south + _CELL_DEG / 2, west + _CELL_DEG / 2))
        steps = (0.0, _CELL_DEG / 2, _CELL_DEG)
        rim = np.array([_unit(south + dy, west + dx) for dy in steps for dx in steps])
        # The farthest point of a 1° cell is a corner; 1% extra covers sampling anyway.
        radius = 1.01 * float(np.arccos(np.clip(rim @ centre, -1.0, 1.0)).max())
        dots = np.clip(self._vectors @ centre, -1.0, 1.0)
        reach = float(np.arccos(dots.max())) + 2 * radius + 1e-9  # margin for float rounding
        chosen = np.nonzero(dots >= cos(min(reach, pi)))[0]
        vectors = self._vectors[chosen].tolist()
        return tuple((*v, self._airports[i]) for v, i in zip(vectors, chosen.tolist(), strict=True))


def load_airports() -> list[Airport]:
    """All airports in ``airportsdata`` that carry a real three-letter IATA code."""
    return [
        Airport(
            iata=code,
            name=row["name"],
            country=row["country"],
            latitude=float(row["lat"]),
            longitude=float(row["lon"]),
            tz=row["tz"],
            size=size_of(code),
        )
        for code, row in airport_rows().items()
        if _IATA.fullmatch(code) and row.get("iata") == code
    ]


@cache
def default_index() -> AirportIndex:
    """The process-wide index over ``airportsdata`` (built once, ~0.1 s)."""
    return AirportIndex(load_airports())

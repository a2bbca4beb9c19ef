"""Aircraft, legs and weighted draws: what every synthetic network is built from."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from rebook.domain.model import Cabin, FlightLeg, make_leg_id

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AircraftType:
    """A type as a network flies it.  ``cabins`` keeps its order: it is the order in which
    the legs' cabins are sold and booked."""

    code: str
    cabins: Mapping[Cabin, int]
    min_turn: timedelta = timedelta(minutes=45)
    weight: int = 1  # share of the fleet
    min_km: float = 0.0  # only flies routes at least this long


class Pick(Generic[T]):
    """``rng.choices(values, weights)[0]`` with the cumulative weights summed once: the same
    draw (one ``random()`` and a bisect, exactly as ``choices`` does), without the per-call sum."""

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        self.values = tuple(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1] + 0.0
        self.hi = len(self.values) - 1

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total, 0, self.hi)]


def make_leg(
    carrier: str,
    number: int,
    operating: date,
    route: tuple[str, str],
    times: tuple[datetime, datetime],
    aircraft: AircraftType,
    tail: str,
    sold: Mapping[Cabin, int] | None = None,
) -> FlightLeg:
    """A scheduled leg of ``aircraft`` (its cabins, type code and minimum turn)."""
    flight_number = str(number)
    origin, destination = route
    return FlightLeg(
        leg_id=make_leg_id(carrier, flight_number, operating, origin),
        carrier=carrier,
        flight_number=flight_number,
        operating_date=operating,
        origin=origin,
        destination=destination,
        scheduled_departure=times[0],
        scheduled_arrival=times[1],
        capacity=dict(aircraft.cabins),
        sold=dict(sold or {}),
        tail_number=tail,
        aircraft_type=aircraft.code,
        min_turn=aircraft.min_turn,
    )

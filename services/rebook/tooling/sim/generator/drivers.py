"""Passengers driving to their airport (``rebook bench locator``): each starts up to 150 km out
on a random bearing and comes a step closer with every ping, starting over far away once there,
so a share of the pings changes what the locator publishes.  Each has a booking on the one
flight out of their airport, six hours after the clock the schedule is made on."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from rebook.domain.model import Booking, Cabin, FlightLeg, Passenger, Segment

from .fleet import AircraftType, make_leg
from .geo import coordinates

AIRPORTS = ("DEN", "ORD", "ATL", "DFW", "LAX", "SFO", "SEA", "JFK", "FRA", "MUC", "LHR", "CDG", "AMS", "MAD")
KM_PER_DEG = 111.2
RESTART_KM = 150.0
CARRIER = "BX"
_WIDEBODY = AircraftType("", {Cabin.ECONOMY: 300})


@dataclass
class Driver:
    passenger_id: str
    lat0: float
    lon0: float
    north: float  # degrees of latitude per km along the route
    east: float  # degrees of longitude per km along the route
    km: float

    def step(self, step_km: float) -> tuple[float, float]:
        """The next position, ``step_km`` closer (or back at the start)."""
        self.km = self.km - step_km if self.km > step_km else RESTART_KM
        return self.lat0 + self.north * self.km, self.lon0 + self.east * self.km


def make_drivers(run_id: str, count: int, rng: random.Random) -> list[Driver]:
    """``count`` drivers, spread over ``AIRPORTS`` in turn."""
    found = []
    for i in range(count):
        lat, lon = coordinates(AIRPORTS[i % len(AIRPORTS)])
        bearing = rng.uniform(0, 2 * math.pi)
        north = math.cos(bearing) / KM_PER_DEG
        east = math.sin(bearing) / (KM_PER_DEG * math.cos(math.radians(lat)))
        driver = Driver(f"bench-{run_id}-{i}", lat, lon, north, east, 0.0)
        driver.km = rng.uniform(5, RESTART_KM)
        found.append(driver)
    return found


def drivers_schedule(drivers: list[Driver], now: datetime) -> tuple[list[FlightLeg], list[Booking]]:
    """One leg per airport to HNL six hours after ``now``, one booking per driver on the leg
    of their airport."""
    departure = now.replace(microsecond=0) + timedelta(hours=6)
    times = (departure, departure + timedelta(hours=8))
    legs = [
        make_leg(CARRIER, number, departure.date(), (code, "HNL"), times, _WIDEBODY, "")
        for number, code in enumerate(AIRPORTS, start=1)
    ]
    bookings = [
        Booking(f"B{i:07d}", (Passenger(driver.passenger_id),), (Segment(legs[i % len(AIRPORTS)].leg_id),))
        for i, driver in enumerate(drivers)
    ]
    return legs, bookings

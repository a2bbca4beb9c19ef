"""Helpers of the locator integration tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from rebook.domain.model import Cabin, FlightLeg
from rebook.v1 import location_pb2

DEN_TERMINAL = (39.8561, -104.6737)
EAST_OF_DEN = (39.8617, -102.9)  # ~150 km east of DEN on I-70


def make_leg(origin: str, destination: str, departure: datetime, number: str = "100") -> FlightLeg:
    day = departure.date()
    return FlightLeg(
        leg_id=f"RB{number}-{day.isoformat()}-{origin}",
        carrier="RB",
        flight_number=number,
        operating_date=day,
        origin=origin,
        destination=destination,
        scheduled_departure=departure,
        scheduled_arrival=departure + timedelta(hours=3),
        capacity={Cabin.ECONOMY: 150},
    )


def ping(pid: str, lat: float, lon: float, when: datetime, consent: bool = True) -> location_pb2.LocationPing:
    message = location_pb2.LocationPing(passenger_id=pid, latitude=lat, longitude=lon, consent=consent)
    message.ping_time.FromDatetime(when)
    return message

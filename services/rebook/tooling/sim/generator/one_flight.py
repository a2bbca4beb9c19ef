"""One cancelled flight (``rebook bench e2e``, the end-to-end and client-example tests): N
passengers on a long-haul flight tomorrow, and three later flights of the same route with room
for them.  Party sizes and tiers follow the seed; flight numbers, record locators and passenger
ids are fresh on every call, because the broker may hold earlier runs' legs and bookings."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rebook.domain.model import Booking, Cabin, FlightLeg, Passenger, Segment, Tier

from .bookings import LOCATOR_ALPHABET
from .fleet import AircraftType, make_leg

CARRIER = "RB"
ROUTES = [
    (a, b)
    for a in ("FRA", "MUC", "ZRH", "VIE", "CDG", "AMS", "MAD", "FCO", "CPH", "ARN")
    for b in ("JFK", "ORD", "IAD", "BOS", "SFO", "LAX", "ATL", "MIA", "YYZ", "DEN")
]
PARTY_SIZES = (1, 1, 1, 2, 2, 3)  # drawn uniformly


@dataclass
class Flight:
    """A flight of N passengers to cancel, and the later flights they can move to."""

    cancelled: FlightLeg
    later: list[FlightLeg]
    bookings: list[Booking]

    @property
    def passenger_ids(self) -> list[str]:
        return [p.passenger_id for b in self.bookings for p in b.passengers]


def make_flight(passengers: int, seed: int, now: datetime | None = None) -> Flight:
    """The flight departs at 09:00 UTC the day after ``now`` (the wall clock by default: the
    services judge what can still be booked by it)."""
    rng = random.Random(seed)
    fresh = random.Random()
    day = ((now or datetime.now(UTC)) + timedelta(days=1)).date()
    base = fresh.randrange(1000, 9000, 10)
    route = fresh.choice(ROUTES)
    departure = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    aircraft = AircraftType("333", {Cabin.ECONOMY: max(passengers + 20, 180)})

    def leg(offset: int, hours: float, sold: int) -> FlightLeg:
        start = departure + timedelta(hours=hours)
        times = (start, start + timedelta(hours=8))
        number = base + offset
        return make_leg(CARRIER, number, day, route, times, aircraft, f"D-A{number}", {Cabin.ECONOMY: sold})

    seats = aircraft.cabins[Cabin.ECONOMY]
    cancelled = leg(0, 0, passengers)
    later = [leg(i, 2 * i, seats - passengers // 2 - 10) for i in (1, 2, 3)]
    bookings, left = [], passengers
    while left > 0:
        party = min(left, rng.choice(PARTY_SIZES))
        pax = tuple(
            Passenger(f"pax-{uuid.uuid4().hex[:12]}", rng.choice(list(Tier)), contact_opt_in=True) for _ in range(party)
        )
        locator = "".join(fresh.choices(LOCATOR_ALPHABET, k=6))
        bookings.append(Booking(locator, pax, (Segment(cancelled.leg_id),), carrier=CARRIER))
        left -= party
    return Flight(cancelled, later, bookings)

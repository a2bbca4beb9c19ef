"""Cancelled flights and the later flights of the same route their passengers can move to:
long-haul legs tomorrow, for runs against live services and a broker that may hold earlier
runs' data (the services judge what can still be booked by the wall clock, so the flights
lie ahead of the clock they are given, by default the wall clock).

- ``make_flight`` — ``rebook bench e2e``, the end-to-end and client-example tests: one flight
  of N passengers on a random route; party sizes and tiers follow the seed, flight numbers,
  record locators and passenger ids are fresh on every call.
- ``make_network`` — the fault suite: a few cancelled FRA-JFK flights with N bookings each,
  every draw from the seed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import Booking, Cabin, Disruption, FlightLeg, Passenger, Segment, Tier

from .bookings import LOCATOR_ALPHABET
from .fleet import AircraftType, make_leg

CARRIER = "RB"
ROUTES = [
    (a, b)
    for a in ("FRA", "MUC", "ZRH", "VIE", "CDG", "AMS", "MAD", "FCO", "CPH", "ARN")
    for b in ("JFK", "ORD", "IAD", "BOS", "SFO", "LAX", "ATL", "MIA", "YYZ", "DEN")
]
PARTY_SIZES = (1, 1, 1, 2, 2, 3)  # drawn uniformly
TIERS = list(Tier)
BLOCK = timedelta(hours=8)


def _tomorrow(now: datetime | None) -> date:
    return ((now or datetime.now(UTC)) + timedelta(days=1)).date()


def _leg(
    number: int, day: date, route: tuple[str, str], departure: datetime, aircraft: AircraftType, tail: str, sold: int
) -> FlightLeg:
    return make_leg(CARRIER, number, day, route, (departure, departure + BLOCK), aircraft, tail, {Cabin.ECONOMY: sold})


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
    """The flight departs at 09:00 UTC the day after ``now``, the later ones 2, 4 and 6 hours after it."""
    rng = random.Random(seed)
    fresh = random.Random()
    day = _tomorrow(now)
    base = fresh.randrange(1000, 9000, 10)
    route = fresh.choice(ROUTES)
    departure = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    aircraft = AircraftType("333", {Cabin.ECONOMY: max(passengers + 20, 180)})
    seats = aircraft.cabins[Cabin.ECONOMY]

    def leg(offset: int, hours: float, sold: int) -> FlightLeg:
        number = base + offset
        return _leg(number, day, route, departure + timedelta(hours=hours), aircraft, f"D-A{number}", sold)

    cancelled = leg(0, 0, passengers)
    later = [leg(i, 2 * i, seats - passengers // 2 - 10) for i in (1, 2, 3)]
    bookings, left = [], passengers
    while left > 0:
        party = min(left, rng.choice(PARTY_SIZES))
        pax = tuple(
            Passenger(f"pax-{uuid.uuid4().hex[:12]}", rng.choice(TIERS), contact_opt_in=True) for _ in range(party)
        )
        locator = "".join(fresh.choices(LOCATOR_ALPHABET, k=6))
        bookings.append(Booking(locator, pax, (Segment(cancelled.leg_id),), carrier=CARRIER))
        left -= party
    return Flight(cancelled, later, bookings)


@dataclass
class Network:
    """Cancelled legs, the later legs their passengers can move to, and the bookings."""

    cancelled: list[FlightLeg]
    later: list[FlightLeg]
    bookings: list[Booking]
    disruptions: list[Disruption] = field(default_factory=list)

    @property
    def legs(self) -> dict[str, FlightLeg]:
        return {g.leg_id: g for g in (*self.cancelled, *self.later)}

    def affected(self) -> dict[str, Booking]:
        cancelled = {g.leg_id for g in self.cancelled}
        return {b.record_locator: b for b in self.bookings if any(s.leg_id in cancelled for s in b.segments)}


def make_network(seed: int, cancelled: int = 4, bookings_per_leg: int = 40, now: datetime | None = None) -> Network:
    """``cancelled`` FRA-JFK flights an hour apart from 08:00 UTC the day after ``now``, full
    with 100 of 150 seats sold and ``bookings_per_leg`` bookings each, and ``cancelled + 3``
    later flights from 09:30 with 60-110 seats sold."""
    rng = random.Random(seed)
    day = _tomorrow(now)
    start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
    base = 1000 + 10 * rng.randrange(0, 800)
    aircraft = AircraftType("", {Cabin.ECONOMY: 150})

    def leg(number: int, hours: float, sold: int) -> FlightLeg:
        return _leg(number, day, ("FRA", "JFK"), start + timedelta(hours=hours), aircraft, f"T{number}", sold)

    cancelled_legs = [leg(base + i, i, 100) for i in range(cancelled)]
    later = [leg(base + 100 + i, 1.5 + i, rng.randrange(60, 110)) for i in range(cancelled + 3)]
    bookings: list[Booking] = []
    for flight in cancelled_legs:
        for _ in range(bookings_per_leg):
            locator = "".join(rng.choices(LOCATOR_ALPHABET, k=6))
            party = rng.choice(PARTY_SIZES)
            passengers = tuple(
                Passenger(f"pax-{locator}-{i}", rng.choice(TIERS), contact_opt_in=True) for i in range(party)
            )
            bookings.append(Booking(locator, passengers, (Segment(flight.leg_id),), carrier=CARRIER))
    return Network(cancelled_legs, later, bookings)

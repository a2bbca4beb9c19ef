"""A synthetic but realistic airline day with a storm, as a scenario (see docs/scenario-format.md).

The model, in short:

- **Network.** Carrier ``RB`` with two banked hubs, DEN (where the storm hits) and ORD, and
  real spokes from ``airportsdata`` (IATA codes, coordinates, time zones).  Each hub runs
  nine connection banks a day in its local time: arrivals land in the 5-45 minutes before
  the bank, departures leave 40-65 minutes after it, so an inbound and an outbound of the
  same bank connect in 45 minutes to 3 hours (the hub's minimum connection time is checked).
- **Aircraft rotations.** Every tail overnights at a spoke (its "home"), flies into the
  hub's first bank, then hub-spoke-hub round trips timed so each return lands in a bank,
  and goes home from the last bank it can make.  Ground times respect the type's minimum
  turn; block times come from great-circle distance.  The next three days repeat the same
  pattern (same flight numbers and tails), so the schedule covers the 72 h rebooking horizon.
- **Aircraft types.** E75 12 J + 64 Y, 320 12 J + 150 Y, 738 16 J + 144 Y, 321 20 J + 170 Y,
  789 30 J + 21 W + 220 Y (long spokes only).
- **Loads.** Every cabin is sold to a load factor drawn per leg from its day's range
  (``LOADS_BY_DAY``): the storm day 80-95 %, day two 75-90 %, day three 70-85 %, day four
  65-80 % — a booking curve, what a carrier has still to sell one, two and three days out.
- **Bookings.** Every cabin of every storm-day leg is booked to its load factor; 45-70 % of
  each hub departure's seats go to connecting parties (spoke→hub→spoke, two segments,
  connection ≥ the hub's MCT and ≤ 3 h), the rest to local parties.  Parties of 1-6,
  loyalty tiers, a few wheelchairs and unaccompanied minors, contact opt-in for most,
  location consent for a few % (with pings along a path from home to the departure
  airport).  Later days' legs carry their sold counts but no bookings.
- **Storm.** A ground stop at DEN from 13:00 to 18:00 local: announced 90 minutes before,
  about a quarter of DEN's departures in the window are cancelled together with the return
  leg of the same aircraft (cancellations in two waves), a third of the inbound flights due
  around the window get new estimates 30-150 minutes late (the detector predicts the
  knock-on delays along the rotations), and some morning legs report actual off-block and
  in-block times.

Deterministic per seed: one ``random.Random`` drives everything, nothing iterates a set.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from rebook.domain.convert import booking_to_proto, leg_to_proto, to_timestamp
from rebook.domain.model import Booking, Cabin, FlightLeg, Passenger, Segment, Tier
from rebook.flightops.convert import event_to_proto
from rebook.flightops.events import FlightEvent
from rebook.v1 import location_pb2

from ..scenario import Scenario
from .bookings import NO_NEEDS, Feeders, Needs, RandomIds, Travellers, fill_seats
from .fleet import Pick
from .geo import coordinates
from .storm_events import Storm, storm, storm_window
from .storm_network import (
    CARRIER,
    DEFAULT_DAY,
    HUB_MCT,
    HUBS,
    LOCATION_CONSENT,
    MAX_CONNECTION,
    SIZES,
    random_minutes,
    schedule,
)

# Sold share per cabin by day of the schedule (storm day first): a booking curve, not a flat 90 %.
LOADS_BY_DAY = ((0.80, 0.95), (0.75, 0.90), (0.70, 0.85), (0.65, 0.80))
CONNECTING_SHARE = (0.45, 0.70)
PARTY_SIZES, PARTY_WEIGHTS = (1, 2, 3, 4, 5, 6), (52, 26, 9, 8, 3, 2)
TIERS, TIER_WEIGHTS = (Tier.BASIC, Tier.SILVER, Tier.GOLD, Tier.PLATINUM), (70, 15, 10, 5)
PREMIUM_TIER_WEIGHTS = (35, 25, 25, 15)  # business and premium economy
NEEDS = Needs(wheelchair=0.015, minor=0.02, minor_alone=True)
CONTACT_OPT_IN = (0.9, 0.6)  # lead passenger, others


@dataclass
class BookingCounts:
    """What the manifest says about the bookings, counted as they are made."""

    bookings: int = 0
    passengers: int = 0
    connecting_passengers: int = 0

    def add(self, booking: Booking) -> None:
        self.bookings += 1
        self.passengers += len(booking.passengers)
        if len(booking.segments) == 2:
            self.connecting_passengers += len(booking.passengers)


@dataclass
class GeneratedScenario:
    """Domain objects of a generated day plus what the generator knows about it
    (``bookings`` is empty when they were streamed to a sink: see ``generate``)."""

    legs: list[FlightLeg]
    bookings: list[Booking]
    events: list[FlightEvent]
    pings: list[location_pb2.LocationPing]
    storm: Storm
    seed: int
    size: str
    day: date
    generate_s: float = 0.0
    booking_counts: BookingCounts = field(default_factory=BookingCounts)

    def to_scenario(self) -> Scenario:
        return Scenario(
            flights=[leg_to_proto(leg) for leg in self.legs],
            bookings=[booking_to_proto(b) for b in self.bookings],
            events=[event_to_proto(e) for e in self.events],
            pings=list(self.pings),
        )

    def manifest(self) -> dict:
        """``scenario.json``: how the scenario was made and where its storm is."""
        return {
            "generator": "rebook.tooling.sim.generator",
            "seed": self.seed,
            "size": self.size,
            "carrier": CARRIER,
            "hubs": list(HUBS),
            "day": self.day.isoformat(),
            "storm": {
                "hub": self.storm.hub,
                "start_time": _iso(self.storm.start),
                "end_time": _iso(self.storm.end),
                "announce_time": _iso(self.storm.announce),
                "departures_in_window": len(self.storm.departures_in_window),
                "cancelled_legs": len(self.storm.cancelled),
                "delayed_legs": len(self.storm.delayed),
            },
            "counts": {
                "legs": len(self.legs),
                "legs_storm_day": sum(1 for leg in self.legs if leg.operating_date <= self.day),
                "tails": len({leg.tail_number: None for leg in self.legs}),
                "bookings": self.booking_counts.bookings,
                "passengers": self.booking_counts.passengers,
                "connecting_passengers": self.booking_counts.connecting_passengers,
                "events": len(self.events),
                "pings": len(self.pings),
            },
        }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---- bookings -------------------------------------------------------------------------


def _targets(rng: random.Random, legs: Sequence[FlightLeg], day: date) -> dict[tuple[str, Cabin], int]:
    """Seats sold per leg and cabin: a load factor in the range of the leg's day."""
    targets = {}
    for leg in legs:
        offset = min(max((leg.operating_date - day).days, 0), len(LOADS_BY_DAY) - 1)
        lo, hi = LOADS_BY_DAY[offset]
        for cabin, seats in leg.capacity.items():
            targets[(leg.leg_id, cabin)] = rng.randint(math.ceil(seats * lo), math.floor(seats * hi))
    return targets


_TIER = Pick(TIERS, TIER_WEIGHTS)
_PREMIUM_TIER = Pick(TIERS, PREMIUM_TIER_WEIGHTS)


def _travellers(ids: RandomIds, consent: float) -> Travellers:
    """Random ids, tiers (better in the premium cabins), needs, and the lead's location
    consent and everyone's contact opt-in."""

    def book(rng: random.Random, size: int, segments: tuple[Segment, ...], cabin: Cabin) -> Booking:
        tier = _PREMIUM_TIER if cabin > Cabin.ECONOMY else _TIER
        random_, rare = rng.random, NEEDS.rare
        passengers = []
        for index in range(size):
            roll = random_()
            services = NEEDS.of(roll, size) if roll < rare else NO_NEEDS  # most need nothing: no call
            lead = index == 0
            passengers.append(
                Passenger(
                    ids.passenger(),
                    tier(rng),
                    services,
                    lead and random_() < consent,
                    random_() < CONTACT_OPT_IN[0 if lead else 1],
                )
            )
        return Booking(ids.locator(), tuple(passengers), segments, carrier=CARRIER)

    def connecting(rng: random.Random, seats: int) -> int:
        return round(seats * rng.uniform(*CONNECTING_SHARE))

    return Travellers(connecting, Pick(PARTY_SIZES, PARTY_WEIGHTS), book)


def _bookings(
    rng: random.Random, day_legs: Sequence[FlightLeg], targets: dict, consent: float = LOCATION_CONSENT
) -> Iterator[Booking]:
    """Fills every cabin of ``day_legs`` to its target: connections first, then locals."""
    left = {key: targets[key] for leg in day_legs for key in ((leg.leg_id, c) for c in leg.capacity)}
    feeders = Feeders(day_legs, HUB_MCT, MAX_CONNECTION)
    return fill_seats(rng, day_legs, left, feeders, _travellers(RandomIds(rng), consent))


# ---- pings ----------------------------------------------------------------------------


def _pings(rng: random.Random, bookings: Sequence[Booking], legs: dict[str, FlightLeg]) -> list:
    """Consenting passengers travel from home to their departure airport before departure."""
    pings: list[location_pb2.LocationPing] = []
    for booking in bookings:
        first = legs[booking.segments[0].leg_id]
        for passenger in booking.passengers:
            if passenger.location_consent:
                pings += _trip_to_airport(rng, passenger.passenger_id, first)
    pings.sort(key=lambda p: (p.ping_time.seconds, p.passenger_id))
    return pings


def _trip_to_airport(rng: random.Random, passenger_id: str, first: FlightLeg) -> list[location_pb2.LocationPing]:
    """Pings from a home 8-60 km out, every 4-9 minutes, reaching the airport 60-100 minutes
    before departure."""
    lat0, lon0 = coordinates(first.origin)
    km, bearing = rng.uniform(8, 60), rng.uniform(0, 2 * math.pi)
    home_lat = lat0 + km * math.cos(bearing) / 111.32
    home_lon = lon0 + km * math.sin(bearing) / (111.32 * math.cos(math.radians(lat0)))
    dep = first.scheduled_departure
    at = dep - random_minutes(rng, (150, 200))
    reach = dep - random_minutes(rng, (60, 100))
    leave = at
    pings = []
    while at < dep - timedelta(minutes=20):
        share = min(1.0, (at - leave) / (reach - leave))
        jitter = 0.002 if share >= 1.0 else 0.0005
        pings.append(
            location_pb2.LocationPing(
                passenger_id=passenger_id,
                latitude=round(home_lat + (lat0 - home_lat) * share + rng.uniform(-jitter, jitter), 6),
                longitude=round(home_lon + (lon0 - home_lon) * share + rng.uniform(-jitter, jitter), 6),
                accuracy_meters=float(rng.randint(5, 65)),
                ping_time=to_timestamp(at),
                consent=True,
            )
        )
        at += random_minutes(rng, (4, 9))
    return pings


# ---- entry point ----------------------------------------------------------------------


def generate(
    seed: int = 1,
    size: str = "small",
    day: date = DEFAULT_DAY,
    booking_sink: Callable[[Booking], object] | None = None,
) -> GeneratedScenario:
    """The scenario for ``seed`` and ``size`` (one of ``SIZES``).

    With ``booking_sink``, each booking goes to it as it is made instead of into
    ``.bookings`` (which stays empty): memory stays bounded at airline size.  The scenario is
    the same either way.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    started = time.perf_counter()
    profile = SIZES[size]
    rng = random.Random(f"rebook-scenario:{seed}:{size}")
    legs = schedule(rng, profile, day)
    targets = _targets(rng, legs, day)
    booked_end = storm_window(day)[0] + timedelta(hours=12) + timedelta(days=profile.booked_days - 1)
    day_legs = [leg for leg in legs if leg.scheduled_departure < booked_end]
    counts = BookingCounts()
    kept: list[Booking] = []
    consenting: list[Booking] = []  # only these are needed for the pings
    for booking in _bookings(rng, day_legs, targets, profile.location_consent):
        counts.add(booking)
        if booking_sink is None:
            kept.append(booking)
        else:
            booking_sink(booking)
        if booking.passengers[0].location_consent:
            consenting.append(booking)
    legs = [replace(leg, sold={c: targets[(leg.leg_id, c)] for c in leg.capacity}) for leg in legs]
    by_id = {leg.leg_id: leg for leg in legs}
    pings = _pings(rng, consenting, by_id)
    found, events = storm(rng, legs, day)
    elapsed = time.perf_counter() - started
    return GeneratedScenario(legs, kept, events, pings, found, seed, size, day, elapsed, counts)

"""Filling a network's seats with bookings: connecting parties through the hubs first, then
point to point, until every cabin of every booked leg holds its sold count.

A network says how (``Travellers``): how many of a hub departure's seats go to connections,
party sizes, and how one booking is made (ids, tiers, needs, consents).  The order of the
random draws is part of each network's instances: ``fill_seats`` draws, per booking, the
feeder, then the party size, then whatever ``book`` draws.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from rebook.domain.model import Booking, Cabin, FlightLeg, Segment, SpecialService

LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_WHEELCHAIR = frozenset({SpecialService.WHEELCHAIR})
_MINOR = frozenset({SpecialService.UNACCOMPANIED_MINOR})
NO_NEEDS: frozenset[SpecialService] = frozenset()


@dataclass(frozen=True, slots=True)
class Needs:
    """Special services from one ``random()`` roll: a wheelchair below ``wheelchair``, an
    unaccompanied minor below ``minor`` (only travelling alone, with ``minor_alone``)."""

    wheelchair: float
    minor: float
    minor_alone: bool

    @property
    def rare(self) -> float:
        """Rolls at or above this need nothing: a caller can skip the call."""
        return max(self.wheelchair, self.minor)

    def of(self, roll: float, party: int) -> frozenset[SpecialService]:
        if roll < self.wheelchair:
            return _WHEELCHAIR
        if roll < self.minor and (party == 1 or not self.minor_alone):
            return _MINOR
        return NO_NEEDS


class RandomIds:
    """Unique random record locators and passenger ids; the sets hold ints and short strings,
    so 1.5 M bookings stay small in memory."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.locators: set[str] = set()
        self.passengers: set[int] = set()

    def locator(self) -> str:
        choice = self.rng.choice
        while True:
            value = "".join([choice(LOCATOR_ALPHABET) for _ in range(6)])
            if value not in self.locators:
                self.locators.add(value)
                return value

    def passenger(self) -> str:
        while True:
            bits = self.rng.getrandbits(64)
            if bits not in self.passengers:
                self.passengers.add(bits)
                return f"pax-{bits:016x}"


class Feeders:
    """Inbound legs of each hub sorted by arrival, to find an outbound's feeders by bisection
    rather than by scanning every inbound leg (quadratic at airline size)."""

    def __init__(self, day_legs: Sequence[FlightLeg], mct: Mapping[str, timedelta], max_connection: timedelta) -> None:
        self.hubs: Collection[str] = tuple(mct)
        self.mct, self.max_connection = mct, max_connection
        self.order = {leg.leg_id: i for i, leg in enumerate(day_legs)}
        self.inbound: dict[str, list[FlightLeg]] = {hub: [] for hub in self.hubs}
        for leg in day_legs:
            if leg.destination in self.mct:
                self.inbound[leg.destination].append(leg)
        for legs in self.inbound.values():
            legs.sort(key=lambda leg: leg.scheduled_arrival)
        self.arrivals = {hub: [leg.scheduled_arrival for leg in legs] for hub, legs in self.inbound.items()}

    def of(self, out: FlightLeg) -> list[FlightLeg]:
        """Inbound legs connecting to ``out`` (the hub's MCT to ``max_connection``), not from
        its destination, in the order of ``day_legs``."""
        hub, departure = out.origin, out.scheduled_departure
        arrivals = self.arrivals[hub]
        lo = bisect.bisect_left(arrivals, departure - self.max_connection)
        hi = bisect.bisect_right(arrivals, departure - self.mct[hub])
        found = [f for f in self.inbound[hub][lo:hi] if f.origin != out.destination]
        return sorted(found, key=lambda f: self.order[f.leg_id])


Book = Callable[[random.Random, int, tuple[Segment, ...], Cabin], Booking]


@dataclass(frozen=True, slots=True)
class Travellers:
    """Who books a network: ``connecting(rng, seats_left)`` is how many of a hub departure's
    seats in a cabin go to connecting parties, ``party(rng)`` a party's size, ``book(rng,
    size, segments, cabin)`` one booking."""

    connecting: Callable[[random.Random, int], int]
    party: Callable[[random.Random], int]
    book: Book


def fill_seats(
    rng: random.Random,
    day_legs: Sequence[FlightLeg],
    left: dict[tuple[str, Cabin], int],
    feeders: Feeders,
    travellers: Travellers,
) -> Iterator[Booking]:
    """Books ``left`` (seats to sell per leg and cabin of ``day_legs``, counted down) to zero:
    each hub departure's connecting share from its feeders, in ``day_legs`` order, then the
    rest point to point.  Yields the bookings one by one, so that a caller can write them
    without keeping them."""
    segment = {key: Segment(*key) for key in left}  # shared by every booking on the leg and cabin
    party, book, choice = travellers.party, travellers.book, rng.choice  # bound once: 1.5 M bookings
    for out in day_legs:
        if out.origin not in feeders.hubs:
            continue
        feeding = feeders.of(out)
        for cabin in out.capacity:
            want = travellers.connecting(rng, left[(out.leg_id, cabin)])
            open_feeders = [f for f in feeding if left.get((f.leg_id, cabin), 0) > 0]
            while want > 0 and open_feeders:
                feeder = choice(open_feeders)
                size = min(party(rng), want, left[(feeder.leg_id, cabin)])
                trip = (segment[(feeder.leg_id, cabin)], segment[(out.leg_id, cabin)])
                yield book(rng, size, trip, cabin)
                left[(feeder.leg_id, cabin)] -= size
                left[(out.leg_id, cabin)] -= size
                want -= size
                if not left[(feeder.leg_id, cabin)]:
                    open_feeders.remove(feeder)
    for leg in day_legs:
        for cabin in leg.capacity:
            key = (leg.leg_id, cabin)
            while left[key] > 0:
                size = min(party(rng), left[key])
                yield book(rng, size, (segment[key],), cabin)
                left[key] -= size

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

import bisect
import itertools
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import airportsdata

from rebook.domain.convert import booking_to_proto, leg_to_proto, to_timestamp
from rebook.domain.model import (
    Booking,
    Cabin,
    FlightLeg,
    Passenger,
    Segment,
    SpecialService,
    Tier,
    make_leg_id,
)
from rebook.flightops.convert import event_to_proto
from rebook.flightops.events import ActualTimes, Cancellation, EstimateChange, FlightEvent
from rebook.v1 import location_pb2

from .scenario import Scenario

CARRIER = "RB"
DEFAULT_DAY = date(2026, 11, 23)
HUBS = ("DEN", "ORD")
STORM_HUB = "DEN"
HUB_MCT = {"DEN": timedelta(minutes=45), "ORD": timedelta(minutes=50)}
MAX_CONNECTION = timedelta(hours=3)
# Real spokes, roughly by traffic; the first N are used for a size.
SPOKES = (
    *("LAX", "SFO", "SEA", "PHX", "LAS", "ATL", "BOS", "DFW", "EWR", "LGA", "MSP", "DTW", "MCO", "IAH"),
    *("SAN", "PDX", "SLC", "PHL", "CLT", "MIA", "BWI", "DCA", "TPA", "AUS", "BNA", "MCI", "STL", "SJC"),
    *("SMF", "MSY", "RDU", "IND", "CMH", "CLE", "PIT", "MKE", "OKC", "OMA", "ABQ", "TUS", "FLL", "JFK"),
    *("IAD", "SAT", "HOU", "DAL", "OAK", "BUR", "SNA", "ONT", "RNO", "BOI", "GEG", "COS", "ELP", "BZN"),
    *("JAC", "ASE", "EGE", "HDN", "MTJ", "GJT", "BIL", "FCA", "MSO", "PSP", "LGB", "ORF", "RIC", "CHS"),
    *("SAV", "JAX", "RSW", "PBI", "CVG", "SDF", "MEM", "BHM", "LIT", "TUL", "ICT", "DSM", "CID", "MSN"),
    *("GRR", "FSD", "FAR", "SGF", "XNA", "BDL", "PVD", "ALB", "BUF", "SYR", "ROC", "PWM", "MHT", "YYZ"),
    *("YVR", "YUL", "YYC", "MEX", "CUN", "SJD", "PVR", "GDL", "GUC"),
)

J, W, Y = Cabin.BUSINESS, Cabin.PREMIUM_ECONOMY, Cabin.ECONOMY


@dataclass(frozen=True, slots=True)
class AircraftType:
    code: str
    cabins: dict[Cabin, int]
    min_turn: timedelta
    weight: int  # share of the fleet
    min_km: float = 0.0  # only flies spokes at least this far


AIRCRAFT = (
    AircraftType("E75", {J: 12, Y: 64}, timedelta(minutes=35), 14),
    AircraftType("320", {J: 12, Y: 150}, timedelta(minutes=40), 34),
    AircraftType("738", {J: 16, Y: 144}, timedelta(minutes=40), 26),
    AircraftType("321", {J: 20, Y: 170}, timedelta(minutes=45), 18),
    AircraftType("789", {J: 30, W: 21, Y: 220}, timedelta(minutes=60), 8, min_km=1400.0),
)
AIRCRAFT_BY_CODE = {a.code: a for a in AIRCRAFT}

FLIGHT_NUMBERS = range(100, 10_000)
BANKS = 9
FIRST_BANK_LOCAL = timedelta(hours=7)
BANK_EVERY = timedelta(minutes=100)
ARRIVE_BEFORE_BANK = (5, 45)  # minutes
DEPART_AFTER_BANK = (40, 65)
MAX_HOME_BLOCK = timedelta(hours=3, minutes=15)  # a home spoke is at most this far from its hub
SCHEDULE_DAYS = 4  # the storm day and three more: a 72 h horizon from the storm has flights to use
# Sold share per cabin by day of the schedule (storm day first): a booking curve, not a flat 90 %.
LOADS_BY_DAY = ((0.80, 0.95), (0.75, 0.90), (0.70, 0.85), (0.65, 0.80))
CONNECTING_SHARE = (0.45, 0.70)
PARTY_SIZES, PARTY_WEIGHTS = (1, 2, 3, 4, 5, 6), (52, 26, 9, 8, 3, 2)
TIERS, TIER_WEIGHTS = (Tier.BASIC, Tier.SILVER, Tier.GOLD, Tier.PLATINUM), (70, 15, 10, 5)
PREMIUM_TIER_WEIGHTS = (35, 25, 25, 15)  # business and premium economy
LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

STORM_LOCAL = (timedelta(hours=13), timedelta(hours=18))  # ground stop, hub local time
STORM_NOTICE = timedelta(minutes=90)  # announced this long before it starts
STORM_CANCEL_SHARE = 0.25
STORM_DELAY_SHARE = 0.35
ACTUALS_SHARE = 0.25
CONTACT_OPT_IN = (0.9, 0.6)  # lead passenger, others
LOCATION_CONSENT = 0.05  # of lead passengers; they ping


@dataclass(frozen=True, slots=True)
class SizeProfile:
    legs_per_day: int
    spokes: int
    fleet: tuple[int, ...] = tuple(a.weight for a in AIRCRAFT)  # weights, in AIRCRAFT order
    booked_days: int = 1  # days, from the storm day on, whose legs carry bookings (the rest: sold counts)
    days: int = SCHEDULE_DAYS  # days of schedule, the storm day first
    location_consent: float = LOCATION_CONSENT  # of lead passengers; at airline size pings would dwarf the rest


SIZES = {
    "small": SizeProfile(54, 14, (40, 35, 12, 8, 5)),  # a regional-heavy fleet
    "medium": SizeProfile(600, 60),
    "large": SizeProfile(2000, len(SPOKES)),
    # A major carrier's few days (issue 18): >= 20k legs, >= 1.5 M bookings, every day booked.
    # Two days of schedule only: the point is the size, a 72 h horizon would double it.
    "airline": SizeProfile(14_000, len(SPOKES), booked_days=2, location_consent=0.004, days=2),
    # The same order of legs and bookings shaped as a month (the real data): ~2-3 daily
    # frequencies per hub and spoke instead of ~30, so a search over the network stays realistic;
    # one storm, so far fewer disrupted passengers than "airline".
    "airline-month": SizeProfile(1_100, len(SPOKES), booked_days=31, location_consent=0.004, days=31),
}


@dataclass
class Storm:
    hub: str
    start: datetime
    end: datetime
    announce: datetime
    departures_in_window: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)


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


# ---- geography ------------------------------------------------------------------------


@cache
def _ports() -> dict[str, dict]:
    return airportsdata.load("IATA")


@cache
def zone(code: str) -> ZoneInfo:
    return ZoneInfo(_ports()[code]["tz"])


@cache
def distance_km(a: str, b: str) -> float:
    pa, pb = _ports()[a], _ports()[b]
    lat1, lat2 = math.radians(pa["lat"]), math.radians(pb["lat"])
    dlon = math.radians(pb["lon"] - pa["lon"])
    cos = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(dlon)
    return 6371.0 * math.acos(max(-1.0, min(1.0, cos)))


@cache
def block_time(a: str, b: str) -> timedelta:
    """Scheduled gate-to-gate time: taxi allowance plus ~810 km/h, rounded to 5 minutes."""
    minutes = 30 + distance_km(a, b) / 13.5
    return timedelta(minutes=5 * math.ceil(minutes / 5))


def local_date(code: str, at: datetime) -> date:
    return at.astimezone(zone(code)).date()


def _ceil5(at: datetime) -> datetime:
    extra = (-at.minute % 5) * 60 - at.second
    return (at + timedelta(seconds=extra)).replace(second=0, microsecond=0) if extra else at


def bank_times(hub: str, day: date) -> list[datetime]:
    """UTC instants of the hub's banks on ``day`` (hub local time)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone(hub))
    return [(midnight + FIRST_BANK_LOCAL + k * BANK_EVERY).astimezone(UTC) for k in range(BANKS)]


def storm_window(day: date, hub: str = STORM_HUB) -> tuple[datetime, datetime]:
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone(hub))
    start, end = STORM_LOCAL
    return (midnight + start).astimezone(UTC), (midnight + end).astimezone(UTC)


# ---- schedule -------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    """A leg of one tail's daily pattern, before it gets a flight number."""

    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    tail: str
    aircraft: AircraftType
    hub: str


def _minutes(rng: random.Random, span: tuple[int, int]) -> timedelta:
    return timedelta(minutes=rng.randint(*span))


def _tail_pattern(
    rng: random.Random,
    hub: str,
    tail: str,
    spokes: Sequence[str],
    weights: Sequence[float],
    banks: list[datetime],
    fleet: Sequence[int],
) -> list[_Plan]:
    """One aircraft's day: home spoke → hub bank 0, round trips, hub → home."""
    kind = rng.choices(AIRCRAFT, fleet)[0]

    def usable(kind: AircraftType) -> tuple[list, list]:
        reachable = [(s, w) for s, w in zip(spokes, weights, strict=True) if distance_km(hub, s) >= kind.min_km]
        homes = [(s, w) for s, w in reachable if s not in HUBS and block_time(s, hub) <= MAX_HOME_BLOCK]
        return reachable, homes

    reachable, homes = usable(kind)
    if not homes:  # a long-haul type with no spoke near enough for a home: fly a narrow-body
        kind = AIRCRAFT_BY_CODE["320"]
        reachable, homes = usable(kind)
    home = rng.choices([s for s, _ in homes], [w for _, w in homes])[0]
    turn = kind.min_turn
    arrival = _ceil5(banks[0] - _minutes(rng, ARRIVE_BEFORE_BANK))
    legs = [_Plan(home, hub, arrival - block_time(home, hub), arrival, tail, kind, hub)]
    bank = 0
    while True:
        departure = _ceil5(max(banks[bank] + _minutes(rng, DEPART_AFTER_BANK), arrival + turn))
        spoke = rng.choices([s for s, _ in reachable], [w for _, w in reachable])[0]
        out_block = block_time(hub, spoke)
        back_block = block_time(spoke, hub)
        earliest = departure + out_block + turn + _minutes(rng, (0, 25)) + back_block
        later = [k for k in range(bank + 1, BANKS) if banks[k] - timedelta(minutes=5) >= earliest]
        if not later or rng.random() < 0.05:  # no bank left to come back to (or an early night)
            break
        bank = later[0]
        arrival = _ceil5(max(earliest, banks[bank] - _minutes(rng, ARRIVE_BEFORE_BANK)))
        legs.append(_Plan(hub, spoke, departure, departure + out_block, tail, kind, hub))
        legs.append(_Plan(spoke, hub, arrival - back_block, arrival, tail, kind, hub))
    legs.append(_Plan(hub, home, departure, departure + block_time(hub, home), tail, kind, hub))
    return legs


def _flight_numbers(plans: Sequence[_Plan]) -> list[int]:
    """Flight numbers 100, 101, … in departure order; past 9999 (1-4 digits, what schedules
    carry) they start again at 100, each number once per origin, so leg ids stay unique."""
    used: set[tuple[int, str]] = set()
    numbers: list[int] = []
    turn = 0
    for plan in plans:
        for _ in range(len(FLIGHT_NUMBERS)):
            number = FLIGHT_NUMBERS[turn % len(FLIGHT_NUMBERS)]
            turn += 1
            if (number, plan.origin) not in used:
                break
        else:
            raise ValueError(f"more departures from {plan.origin} than flight numbers")
        used.add((number, plan.origin))
        numbers.append(number)
    return numbers


def _schedule(rng: random.Random, profile: SizeProfile, day: date) -> list[FlightLeg]:
    """The storm day's legs and the next days' repeats of them, sorted by departure."""
    spokes_by_hub = {}
    for hub in HUBS:
        other = [h for h in HUBS if h != hub]
        picked = [s for s in SPOKES if s not in HUBS][: profile.spokes]
        spokes_by_hub[hub] = [*other, *picked]
    weights = {hub: [2.0] + [1.0 / (1.0 + 0.04 * i) for i in range(len(s) - 1)] for hub, s in spokes_by_hub.items()}
    plans: list[_Plan] = []
    tails = 0
    while len(plans) < profile.legs_per_day:
        hub = HUBS[0] if tails % 20 < 11 else HUBS[1]  # the storm hub is the bigger one
        tails += 1
        tail = f"N{300 + tails}RB"
        plans.extend(
            _tail_pattern(rng, hub, tail, spokes_by_hub[hub], weights[hub], bank_times(hub, day), profile.fleet)
        )
    plans.sort(key=lambda p: (p.departure, p.origin, p.destination, p.tail))
    legs: list[FlightLeg] = []
    for number, plan in zip(_flight_numbers(plans), plans, strict=True):
        for shift in (timedelta(days=n) for n in range(profile.days)):
            dep, arr = plan.departure + shift, plan.arrival + shift
            operating = local_date(plan.origin, dep)
            flight_number = str(number)
            legs.append(
                FlightLeg(
                    leg_id=make_leg_id(CARRIER, flight_number, operating, plan.origin),
                    carrier=CARRIER,
                    flight_number=flight_number,
                    operating_date=operating,
                    origin=plan.origin,
                    destination=plan.destination,
                    scheduled_departure=dep,
                    scheduled_arrival=arr,
                    capacity=dict(plan.aircraft.cabins),
                    tail_number=plan.tail,
                    aircraft_type=plan.aircraft.code,
                    min_turn=plan.aircraft.min_turn,
                )
            )
    legs.sort(key=lambda leg: (leg.scheduled_departure, leg.leg_id))
    return legs


# ---- bookings -------------------------------------------------------------------------


class _Ids:
    """Unique ids; the sets hold ints, not strings, so 1.5 M bookings stay small in memory."""

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


def _targets(rng: random.Random, legs: Sequence[FlightLeg], day: date) -> dict[tuple[str, Cabin], int]:
    """Seats sold per leg and cabin: a load factor in the range of the leg's day."""
    targets = {}
    for leg in legs:
        offset = min(max((leg.operating_date - day).days, 0), len(LOADS_BY_DAY) - 1)
        lo, hi = LOADS_BY_DAY[offset]
        for cabin, seats in leg.capacity.items():
            targets[(leg.leg_id, cabin)] = rng.randint(math.ceil(seats * lo), math.floor(seats * hi))
    return targets


class _Pick:
    """``rng.choices(values, weights)[0]`` with the cumulative weights summed once: the same
    draw (one ``random()`` and a bisect, exactly as ``choices`` does), without the per-call sum."""

    def __init__(self, values: Sequence, weights: Sequence[float]) -> None:
        self.values = tuple(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1] + 0.0
        self.hi = len(self.values) - 1

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total, 0, self.hi)]


_PARTY = _Pick(PARTY_SIZES, PARTY_WEIGHTS)
_TIER = _Pick(TIERS, TIER_WEIGHTS)
_PREMIUM_TIER = _Pick(TIERS, PREMIUM_TIER_WEIGHTS)
_WHEELCHAIR = frozenset({SpecialService.WHEELCHAIR})
_MINOR = frozenset({SpecialService.UNACCOMPANIED_MINOR})


def _party(rng: random.Random) -> int:
    return _PARTY(rng)


def _booking(
    rng: random.Random, ids: _Ids, size: int, segments: tuple[Segment, ...], cabin: Cabin, consent: float
) -> Booking:
    tier = _PREMIUM_TIER if cabin > Cabin.ECONOMY else _TIER
    random_ = rng.random
    passengers = []
    for index in range(size):
        services: frozenset[SpecialService] = frozenset()
        roll = random_()
        if roll < 0.015:
            services = _WHEELCHAIR
        elif roll < 0.02 and size == 1:
            services = _MINOR
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


class _Feeders:
    """Inbound legs of each hub sorted by arrival, to find an outbound's feeders by bisection
    rather than by scanning every inbound leg (quadratic at airline size)."""

    def __init__(self, day_legs: Sequence[FlightLeg]) -> None:
        self.order = {leg.leg_id: i for i, leg in enumerate(day_legs)}
        self.inbound: dict[str, list[FlightLeg]] = {hub: [] for hub in HUBS}
        for leg in day_legs:
            if leg.destination in HUBS:
                self.inbound[leg.destination].append(leg)
        for legs in self.inbound.values():
            legs.sort(key=lambda leg: leg.scheduled_arrival)
        self.arrivals = {hub: [leg.scheduled_arrival for leg in legs] for hub, legs in self.inbound.items()}

    def of(self, out: FlightLeg) -> list[FlightLeg]:
        """Inbound legs connecting to ``out`` (MCT to 3 h), not from its destination, in schedule order."""
        hub, departure = out.origin, out.scheduled_departure
        arrivals = self.arrivals[hub]
        lo = bisect.bisect_left(arrivals, departure - MAX_CONNECTION)
        hi = bisect.bisect_right(arrivals, departure - HUB_MCT[hub])
        found = [f for f in self.inbound[hub][lo:hi] if f.origin != out.destination]
        return sorted(found, key=lambda f: self.order[f.leg_id])


def _bookings(
    rng: random.Random, day_legs: Sequence[FlightLeg], targets: dict, consent: float = LOCATION_CONSENT
) -> Iterator[Booking]:
    """Fills every cabin of ``day_legs`` to its target: connections first, then locals.
    Yields the bookings one by one, so that a caller can write them without keeping them."""
    ids = _Ids(rng)
    left = {key: targets[key] for leg in day_legs for key in ((leg.leg_id, c) for c in leg.capacity)}
    feeders_of = _Feeders(day_legs)
    segment = {key: Segment(*key) for key in left}  # shared by every booking on the leg and cabin
    for out in day_legs:
        if out.origin not in HUBS:
            continue
        feeders = feeders_of.of(out)
        for cabin in out.capacity:
            want = round(left[(out.leg_id, cabin)] * rng.uniform(*CONNECTING_SHARE))
            open_feeders = [f for f in feeders if left.get((f.leg_id, cabin), 0) > 0]
            while want > 0 and open_feeders:
                feeder = rng.choice(open_feeders)
                size = min(_party(rng), want, left[(feeder.leg_id, cabin)])
                trip = (segment[(feeder.leg_id, cabin)], segment[(out.leg_id, cabin)])
                yield _booking(rng, ids, size, trip, cabin, consent)
                left[(feeder.leg_id, cabin)] -= size
                left[(out.leg_id, cabin)] -= size
                want -= size
                if not left[(feeder.leg_id, cabin)]:
                    open_feeders.remove(feeder)
    for leg in day_legs:
        for cabin in leg.capacity:
            while left[(leg.leg_id, cabin)] > 0:
                size = min(_party(rng), left[(leg.leg_id, cabin)])
                yield _booking(rng, ids, size, (segment[(leg.leg_id, cabin)],), cabin, consent)
                left[(leg.leg_id, cabin)] -= size


# ---- pings ----------------------------------------------------------------------------


def _pings(rng: random.Random, bookings: Sequence[Booking], legs: dict[str, FlightLeg]) -> list:
    """Consenting passengers travel from home to their departure airport before departure."""
    pings: list[location_pb2.LocationPing] = []
    for booking in bookings:
        first = legs[booking.segments[0].leg_id]
        for passenger in booking.passengers:
            if not passenger.location_consent:
                continue
            port = _ports()[first.origin]
            lat0, lon0 = port["lat"], port["lon"]
            km, bearing = rng.uniform(8, 60), rng.uniform(0, 2 * math.pi)
            home_lat = lat0 + km * math.cos(bearing) / 111.32
            home_lon = lon0 + km * math.sin(bearing) / (111.32 * math.cos(math.radians(lat0)))
            dep = first.scheduled_departure
            at = dep - _minutes(rng, (150, 200))
            reach = dep - _minutes(rng, (60, 100))
            leave = at
            while at < dep - timedelta(minutes=20):
                share = min(1.0, (at - leave) / (reach - leave))
                jitter = 0.002 if share >= 1.0 else 0.0005
                pings.append(
                    location_pb2.LocationPing(
                        passenger_id=passenger.passenger_id,
                        latitude=round(home_lat + (lat0 - home_lat) * share + rng.uniform(-jitter, jitter), 6),
                        longitude=round(home_lon + (lon0 - home_lon) * share + rng.uniform(-jitter, jitter), 6),
                        accuracy_meters=float(rng.randint(5, 65)),
                        ping_time=to_timestamp(at),
                        consent=True,
                    )
                )
                at += _minutes(rng, (4, 9))
    pings.sort(key=lambda p: (p.ping_time.seconds, p.passenger_id))
    return pings


# ---- the storm ------------------------------------------------------------------------


class _EventIds:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: dict[str, None] = {}

    def __call__(self) -> str:
        while True:
            value = f"ev-{self.rng.getrandbits(64):016x}"
            if value not in self.seen:
                self.seen[value] = None
                return value


def _storm(rng: random.Random, legs: list[FlightLeg], day: date) -> tuple[Storm, list[FlightEvent]]:
    start, end = storm_window(day)
    storm = Storm(STORM_HUB, start, end, start - STORM_NOTICE)
    new_id = _EventIds(rng)
    events: list[FlightEvent] = []
    today = [leg for leg in legs if leg.scheduled_departure < start + timedelta(hours=12)]
    storm.departures_in_window = [
        leg.leg_id for leg in today if leg.origin == STORM_HUB and start <= leg.scheduled_departure < end
    ]
    # A departure of the hub in the window is cancelled with the aircraft's next leg back to
    # the hub (the return of a round trip, or tomorrow's first flight in from its home spoke),
    # so every rotation stays whole in place.
    by_tail: dict[str, list[FlightLeg]] = {}
    for leg in legs:
        by_tail.setdefault(leg.tail_number, []).append(leg)
    pairs = []
    for rotation in by_tail.values():
        for out, back in itertools.pairwise(rotation):
            if out.origin == STORM_HUB and back.destination == STORM_HUB and start <= out.scheduled_departure < end:
                pairs.append((out, back))
    pairs.sort(key=lambda p: p[0].leg_id)
    rng.shuffle(pairs)
    target = round(STORM_CANCEL_SHARE * len(storm.departures_in_window))
    cancelled: dict[str, None] = {}
    in_window = dict.fromkeys(storm.departures_in_window)
    count = 0
    second_wave = storm.announce + timedelta(minutes=90)
    for out, back in pairs:
        if count >= target:
            break
        count += 1 if out.leg_id in in_window else 0
        wave = storm.announce if out.scheduled_departure < start + timedelta(hours=2, minutes=30) else second_wave
        when = min(wave + _minutes(rng, (0, 15)), out.scheduled_departure - timedelta(minutes=30))
        for leg in (out, back):
            cancelled[leg.leg_id] = None
            events.append(FlightEvent(new_id(), leg.leg_id, when, Cancellation(f"WX ground stop {STORM_HUB}")))
    storm.cancelled = list(cancelled)
    # Late inbound flights: holding and ground delays at the spokes.
    inbound = [
        leg
        for leg in today
        if leg.destination == STORM_HUB
        and leg.leg_id not in cancelled
        and start - timedelta(minutes=30) <= leg.scheduled_arrival <= end
        and leg.scheduled_departure > storm.announce + timedelta(minutes=20)
    ]
    late_ones = rng.sample(inbound, min(len(inbound), max(2, round(STORM_DELAY_SHARE * len(inbound)))))
    for leg in sorted(late_ones, key=lambda g: (g.scheduled_departure, g.leg_id)):
        late = timedelta(minutes=5 * rng.randint(6, 30))
        latest = min(leg.scheduled_departure - timedelta(minutes=10), storm.announce + timedelta(hours=2))
        span = int((latest - storm.announce).total_seconds() // 60)
        when = storm.announce + timedelta(minutes=rng.randint(0, max(0, span)))
        change = EstimateChange(leg.scheduled_departure + late, leg.scheduled_arrival + late)
        events.append(FlightEvent(new_id(), leg.leg_id, when, change))
        storm.delayed.append(leg.leg_id)
    # The morning flew: some legs report actual off-block and in-block times.
    for leg in today:
        if leg.scheduled_arrival < storm.announce and rng.random() < ACTUALS_SHARE:
            off = leg.scheduled_departure + timedelta(minutes=rng.randint(-3, 10))
            takeoff = off + timedelta(minutes=rng.randint(8, 18))
            block = leg.scheduled_arrival - leg.scheduled_departure
            in_block = off + block + timedelta(minutes=rng.randint(-12, 8))
            in_block = max(in_block, takeoff + timedelta(minutes=20))
            landing = in_block - timedelta(minutes=rng.randint(4, 10))
            events.append(FlightEvent(new_id(), leg.leg_id, off, ActualTimes(off_block=off, takeoff=takeoff)))
            events.append(FlightEvent(new_id(), leg.leg_id, in_block, ActualTimes(landing=landing, in_block=in_block)))
    events.sort(key=lambda e: (e.event_time, e.leg_id, e.event_id))
    return storm, events


# ---- entry point ----------------------------------------------------------------------


def generate(
    seed: int = 1,
    size: str = "small",
    day: date = DEFAULT_DAY,
    booking_sink: Callable[[Booking], None] | None = None,
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
    legs = _schedule(rng, profile, day)
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
    storm, events = _storm(rng, legs, day)
    elapsed = time.perf_counter() - started
    return GeneratedScenario(legs, kept, events, pings, storm, seed, size, day, elapsed, counts)

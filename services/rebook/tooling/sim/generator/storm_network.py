"""The storm day's network (``rebook scenario generate``): two banked hubs and their spokes,
flown by aircraft rotations, at the sizes in ``SIZES``.  The model is in ``storm_day``'s
docstring."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from rebook.domain.model import Cabin, FlightLeg

from .fleet import AircraftType, make_leg
from .geo import cruise_minutes, distance_km, local_date, zone

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


@cache
def block_time(a: str, b: str) -> timedelta:
    """Scheduled gate-to-gate time: 30 minutes of taxi plus the cruise, rounded up to 5 minutes."""
    minutes = 30 + cruise_minutes(a, b)
    return timedelta(minutes=5 * math.ceil(minutes / 5))


def ceil5(at: datetime) -> datetime:
    extra = (-at.minute % 5) * 60 - at.second
    return (at + timedelta(seconds=extra)).replace(second=0, microsecond=0) if extra else at


def bank_times(hub: str, day: date) -> list[datetime]:
    """UTC instants of the hub's banks on ``day`` (hub local time)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone(hub))
    return [(midnight + FIRST_BANK_LOCAL + k * BANK_EVERY).astimezone(UTC) for k in range(BANKS)]


@dataclass(slots=True)
class Plan:
    """A leg of one tail's daily pattern, before it gets a flight number."""

    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    tail: str
    aircraft: AircraftType
    hub: str


def random_minutes(rng: random.Random, span: tuple[int, int]) -> timedelta:
    return timedelta(minutes=rng.randint(*span))


def _tail_pattern(
    rng: random.Random,
    hub: str,
    tail: str,
    spokes: Sequence[str],
    weights: Sequence[float],
    banks: list[datetime],
    fleet: Sequence[int],
) -> list[Plan]:
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
    arrival = ceil5(banks[0] - random_minutes(rng, ARRIVE_BEFORE_BANK))
    legs = [Plan(home, hub, arrival - block_time(home, hub), arrival, tail, kind, hub)]
    bank = 0
    while True:
        departure = ceil5(max(banks[bank] + random_minutes(rng, DEPART_AFTER_BANK), arrival + turn))
        spoke = rng.choices([s for s, _ in reachable], [w for _, w in reachable])[0]
        out_block = block_time(hub, spoke)
        back_block = block_time(spoke, hub)
        earliest = departure + out_block + turn + random_minutes(rng, (0, 25)) + back_block
        later = [k for k in range(bank + 1, BANKS) if banks[k] - timedelta(minutes=5) >= earliest]
        if not later or rng.random() < 0.05:  # no bank left to come back to (or an early night)
            break
        bank = later[0]
        arrival = ceil5(max(earliest, banks[bank] - random_minutes(rng, ARRIVE_BEFORE_BANK)))
        legs.append(Plan(hub, spoke, departure, departure + out_block, tail, kind, hub))
        legs.append(Plan(spoke, hub, arrival - back_block, arrival, tail, kind, hub))
    legs.append(Plan(hub, home, departure, departure + block_time(hub, home), tail, kind, hub))
    return legs


def flight_numbers(plans: Sequence[Plan]) -> list[int]:
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


def schedule(rng: random.Random, profile: SizeProfile, day: date) -> list[FlightLeg]:
    """The storm day's legs and the next days' repeats of them, sorted by departure."""
    spokes_by_hub = {}
    for hub in HUBS:
        other = [h for h in HUBS if h != hub]
        picked = [s for s in SPOKES if s not in HUBS][: profile.spokes]
        spokes_by_hub[hub] = [*other, *picked]
    weights = {hub: [2.0] + [1.0 / (1.0 + 0.04 * i) for i in range(len(s) - 1)] for hub, s in spokes_by_hub.items()}
    plans: list[Plan] = []
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
    for number, plan in zip(flight_numbers(plans), plans, strict=True):
        for shift in (timedelta(days=n) for n in range(profile.days)):
            dep, arr = plan.departure + shift, plan.arrival + shift
            operating, route = local_date(plan.origin, dep), (plan.origin, plan.destination)
            legs.append(make_leg(CARRIER, number, operating, route, (dep, arr), plan.aircraft, plan.tail))
    legs.sort(key=lambda leg: (leg.scheduled_departure, leg.leg_id))
    return legs

"""A synthetic hub meltdown and a benchmark of the optimal solve against the greedy baseline.

``generate_hub_meltdown`` builds two banked hubs (DEN, where a storm hits, and ORD) with
40-80 real spokes, two operating days, loads of 85-95 % and parties of one to six; most
travellers connect.  During five of the nine DEN banks about half the departures (and the
matching inbound rotations) are cancelled, some inbound flights run late enough to break
connections, and one departure is down-gauged.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache

import airportsdata

from rebook.domain.model import (
    Booking,
    Cabin,
    Disruption,
    DisruptionKind,
    FlightLeg,
    FlightStatus,
    Passenger,
    Segment,
    SpecialService,
    Tier,
    make_leg_id,
)

from .core.affected import find_affected
from .core.candidates import CandidateBuilder, seat_availability
from .core.greedy import solve_greedy
from .core.rebook import predicted_unusable
from .core.settings import OptimizerSettings
from .core.solver import solve

CARRIER = "RB"
HUBS = ("DEN", "ORD")
STORM_HUB = "DEN"
SPOKES = (
    *("ATL", "BOS", "BWI", "CLT", "DCA", "DFW", "DTW", "EWR", "FLL", "IAH", "JFK", "LAS", "LAX", "LGA"),
    *("MCO", "MIA", "MSP", "PDX", "PHL", "PHX", "SAN", "SEA", "SFO", "SLC", "STL", "TPA", "AUS", "BNA"),
    *("MCI", "MSY", "RDU", "SJC", "SMF", "IND", "CMH", "CLE", "PIT", "MKE", "OKC", "OMA", "ABQ", "TUS"),
    *("ELP", "BOI", "GEG", "ANC", "HNL", "OGG", "BZN", "JAC", "ASE", "EGE", "HDN", "MTJ", "GUC", "COS"),
    *("GJT", "BIL", "FCA", "MSO", "RNO", "ONT", "BUR", "SNA", "PSP", "LGB", "OAK", "SAT", "HOU", "DAL"),
)
AIRCRAFT = (  # type, {cabin: seats}
    ("E175", {Cabin.BUSINESS: 12, Cabin.ECONOMY: 64}),
    ("A320", {Cabin.BUSINESS: 12, Cabin.PREMIUM_ECONOMY: 18, Cabin.ECONOMY: 120}),
    ("B738", {Cabin.BUSINESS: 16, Cabin.PREMIUM_ECONOMY: 24, Cabin.ECONOMY: 126}),
    ("A321", {Cabin.BUSINESS: 20, Cabin.PREMIUM_ECONOMY: 30, Cabin.ECONOMY: 140}),
)
DAY = date(2026, 11, 23)
FIRST_BANK = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 06:00 in Denver
BANKS, BANK_EVERY = 9, timedelta(minutes=110)
STORM_BANKS = range(2, 7)
NETWORK_PER_DISRUPTED = 6.5  # booked travellers per disrupted one, measured on this storm
PARTY_SIZES, PARTY_WEIGHTS = (1, 2, 3, 4, 5, 6), (50, 25, 10, 9, 4, 2)
TIERS, TIER_WEIGHTS = (Tier.BASIC, Tier.SILVER, Tier.GOLD, Tier.PLATINUM), (70, 15, 10, 5)


def generate_hub_meltdown(passengers: int, seed: int) -> tuple[dict[str, FlightLeg], list[Booking], list[Disruption]]:
    """A meltdown disrupting about ``passengers`` travellers (the network books ~6.5 times as
    many on day one), the flights of days one and two, and the disruptions; the flights view
    already reflects them, as the detector's would."""
    rng = random.Random(seed)
    booked = passengers * NETWORK_PER_DISRUPTED
    spokes = SPOKES[: max(40, min(len(SPOKES), 40 + int(booked) // 5000))]
    flights = _schedule(rng, spokes, booked)
    bookings = _bookings(rng, flights)
    flights, disruptions = _storm(rng, flights)
    return flights, bookings, disruptions


def storm_now() -> datetime:
    """The moment the storm plan is known: an hour before its first bank."""
    return FIRST_BANK + STORM_BANKS[0] * BANK_EVERY - timedelta(hours=1)


@cache
def _ports() -> dict[str, dict]:
    return airportsdata.load("IATA")


def _block_time(a: str, b: str) -> timedelta:
    ports = _ports()
    pa, pb = ports[a], ports[b]
    lat1, lat2 = math.radians(pa["lat"]), math.radians(pb["lat"])
    dlon = math.radians(pb["lon"] - pa["lon"])
    km = 6371 * math.acos(min(1.0, math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(dlon)))
    return timedelta(minutes=round(35 + km / 13.5))  # taxi + ~810 km/h cruise


def _schedule(rng: random.Random, spokes: tuple[str, ...], passengers: float) -> dict[str, FlightLeg]:
    """Banked round trips hub<->spoke (and hub<->hub), repeated on day two."""
    legs_day1 = passengers / 88  # ~135 sold seats a leg, half the travellers on two legs
    pairs = [(h, s) for h in HUBS for s in spokes] + [(HUBS[0], HUBS[1]), (HUBS[1], HUBS[0])]
    per_slot = legs_day1 / (2 * len(pairs) * BANKS)
    flights: dict[str, FlightLeg] = {}
    number = 100
    for hub, spoke in pairs:
        offset = timedelta(minutes=55 * (hub == HUBS[1]))  # the two hubs bank out of phase
        block = _block_time(hub, spoke)
        for bank in range(BANKS):
            if rng.random() >= per_slot:
                continue
            kind, cabins = AIRCRAFT[rng.choices(range(4), (2, 4, 3, 1))[0]]
            at = FIRST_BANK + bank * BANK_EVERY + offset
            out_dep = at + timedelta(minutes=rng.randint(45, 70))
            in_arr = at - timedelta(minutes=rng.randint(5, 30))
            for day in (0, 1):
                shift = timedelta(days=day)
                for origin, dest, dep in ((hub, spoke, out_dep), (spoke, hub, in_arr - block)):
                    number += 1
                    leg = _leg(rng, number, origin, dest, dep + shift, block, kind, cabins)
                    flights[leg.leg_id] = leg
    return flights


def _leg(
    rng: random.Random,
    number: int,
    origin: str,
    dest: str,
    dep: datetime,
    block: timedelta,
    kind: str,
    cabins: Mapping[Cabin, int],
) -> FlightLeg:
    sold = {c: round(n * rng.uniform(0.85, 0.95)) for c, n in cabins.items()}
    fn = str(number)
    return FlightLeg(
        make_leg_id(CARRIER, fn, dep.date(), origin),
        CARRIER,
        fn,
        dep.date(),
        origin,
        dest,
        dep,
        dep + block,
        dict(cabins),
        sold,
        tail_number=f"N{number}",
        aircraft_type=kind,
    )


def _bookings(rng: random.Random, flights: dict[str, FlightLeg]) -> list[Booking]:
    """Fill day-one seats to their sold counts: half of each hub departure with connections."""
    left = {(lid, c): n for lid, leg in flights.items() if leg.operating_date == DAY for c, n in leg.sold.items()}
    day1 = sorted((leg for leg in flights.values() if leg.operating_date == DAY), key=lambda g: g.leg_id)
    inbound: dict[str, list[FlightLeg]] = {}
    for leg in day1:
        if leg.destination in HUBS:
            inbound.setdefault(leg.destination, []).append(leg)
    bookings: list[Booking] = []
    for out in (g for g in day1 if g.origin in HUBS):
        feeders = [
            i
            for i in inbound.get(out.origin, ())
            if i.origin != out.destination and timedelta(minutes=45) <= out.departure - i.arrival <= timedelta(hours=3)
        ]
        for cabin in out.capacity:
            want = left[(out.leg_id, cabin)] // 2
            open_feeders = [f for f in feeders if left.get((f.leg_id, cabin), 0) > 0]
            while want > 0 and open_feeders:
                feeder = rng.choice(open_feeders)
                n = min(_party(rng), want, left[(feeder.leg_id, cabin)])
                bookings.append(_booking(rng, len(bookings), n, (feeder, out), cabin))
                left[(feeder.leg_id, cabin)] -= n
                left[(out.leg_id, cabin)] -= n
                want -= n
                if not left[(feeder.leg_id, cabin)]:
                    open_feeders.remove(feeder)
    for leg in day1:  # everything else: point to point
        for cabin in leg.capacity:
            while left[(leg.leg_id, cabin)] > 0:
                n = min(_party(rng), left[(leg.leg_id, cabin)])
                bookings.append(_booking(rng, len(bookings), n, (leg,), cabin))
                left[(leg.leg_id, cabin)] -= n
    return bookings


def _party(rng: random.Random) -> int:
    return rng.choices(PARTY_SIZES, PARTY_WEIGHTS)[0]


def _booking(rng: random.Random, i: int, n: int, legs: tuple[FlightLeg, ...], cabin: Cabin) -> Booking:
    locator = f"{i:06X}"
    pax = tuple(Passenger(f"{locator}-{k}", rng.choices(TIERS, TIER_WEIGHTS)[0], _needs(rng)) for k in range(n))
    return Booking(locator, pax, tuple(Segment(g.leg_id, cabin) for g in legs), carrier=CARRIER)


def _needs(rng: random.Random) -> frozenset[SpecialService]:
    r = rng.random()
    if r < 0.02:
        return frozenset({SpecialService.WHEELCHAIR})
    return frozenset({SpecialService.UNACCOMPANIED_MINOR}) if r < 0.025 else frozenset()


def _storm(rng: random.Random, flights: dict[str, FlightLeg]) -> tuple[dict[str, FlightLeg], list[Disruption]]:
    """Cancel ~half the storm-bank DEN departures and their inbound rotations; delay some
    inbound flights; down-gauge one departure; mark what already flew as departed."""
    now = storm_now()
    start, end = FIRST_BANK + STORM_BANKS[0] * BANK_EVERY, FIRST_BANK + (STORM_BANKS[-1] + 1) * BANK_EVERY
    out = dict(flights)
    cancelled, delayed, gauged = [], [], []
    for lid in sorted(flights):
        leg = flights[lid]
        if leg.departure < now:
            out[lid] = replace(leg, status=FlightStatus.DEPARTED, actual_off_block=leg.departure)
        elif STORM_HUB in (leg.origin, leg.destination) and start <= leg.departure < end:
            roll = rng.random()
            if roll < 0.45:
                out[lid] = replace(leg, status=FlightStatus.CANCELLED)
                cancelled.append(lid)
            elif roll < 0.55 and leg.destination == STORM_HUB:
                late = timedelta(minutes=rng.randint(40, 150))
                out[lid] = replace(
                    leg,
                    status=FlightStatus.DELAYED,
                    estimated_departure=leg.departure + late,
                    estimated_arrival=leg.arrival + late,
                )
                delayed.append(lid)
            elif not gauged and leg.origin == STORM_HUB and Cabin.PREMIUM_ECONOMY in leg.capacity:
                smaller = {c: n * 3 // 4 for c, n in leg.capacity.items()}
                out[lid] = replace(leg, capacity=smaller, aircraft_type="E175")
                gauged.append(lid)
    disruptions = [
        Disruption(
            f"STORM:{STORM_HUB}",
            1,
            DisruptionKind.CANCELLATION,
            CARRIER,
            tuple(cancelled),
            now,
            cause="thunderstorms",
        ),
        Disruption(f"DELAY:{STORM_HUB}", 1, DisruptionKind.DELAY, CARRIER, tuple(delayed), now),
        Disruption(f"DOWNGAUGE:{STORM_HUB}", 1, DisruptionKind.DOWNGAUGE, CARRIER, tuple(gauged), now),
    ]
    return out, disruptions


def run_benchmark(passengers: int, seed: int = 1, time_limit: float = 10.0) -> dict[str, float | int | str]:
    """Solve one meltdown optimally and greedily; wall times include finding the affected
    bookings and building candidates, which both methods share."""
    flights, bookings, disruptions = generate_hub_meltdown(passengers, seed)
    settings = OptimizerSettings(time_limit_s=time_limit)
    now = storm_now()
    start = time.perf_counter()
    affected = find_affected(flights, bookings, disruptions, settings, now)
    avail = seat_availability(flights, affected, {})
    candidates = CandidateBuilder(flights, avail, settings, now, predicted_unusable(disruptions)).build(affected)
    prep_s = time.perf_counter() - start
    best = solve(affected, candidates, avail, settings)
    greedy = solve_greedy(affected, candidates, avail, settings)
    return {
        "passengers": sum(a.booking.party_size for a in affected),  # disrupted ones
        "bookings": len(affected),
        "network_passengers": sum(b.party_size for b in bookings),
        "network_bookings": len(bookings),
        "legs": len(flights),
        "candidates": sum(len(c) for c in candidates.values()),
        "candidate_s": round(prep_s, 3),
        "wall_s": round(prep_s + best.wall_s, 3),
        "solve_s": round(best.wall_s, 3),
        "method": best.method,
        "deadline_hit": best.deadline_hit,
        "objective": round(best.objective, 1),
        "lower_bound": round(best.lower_bound, 1),
        "gap": round(best.gap, 5),
        "unaccommodated": best.unaccommodated,
        "greedy_objective": round(greedy.objective, 1),
        "greedy_wall_s": round(prep_s + greedy.wall_s, 3),
        "greedy_unaccommodated": greedy.unaccommodated,
        "vs_greedy": round(best.objective / greedy.objective, 4) if greedy.objective else 1.0,
    }

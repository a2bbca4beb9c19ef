"""The detector's busy day (``rebook bench detector`` and the detector's tests): many carriers'
short hub-and-spoke rotations over European airports, and a long stream of valid flight events
over them — mostly new estimates, some cancellations (and reinstatements), diversions,
equipment changes and actual times.  No geography: block and turn times are drawn."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import Cabin, FlightLeg
from rebook.flightops.events import (
    ActualTimes,
    Cancellation,
    Change,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)

from .fleet import AircraftType, make_leg

DAY = date(2026, 11, 23)
HUBS = ("FRA", "MUC", "ZRH", "VIE", "CDG", "AMS", "LHR", "MAD")
SPOKES = ("BER", "HAM", "DUS", "CGN", "STR", "LIS", "BCN", "FCO", "MXP", "CPH", "ARN", "OSL", "WAW", "PRG")
CARRIERS = ("RB", "XR", "ZQ", "YB", "QK")  # 9,000 flight numbers each
FLEET = (  # drawn uniformly
    AircraftType("A320", {Cabin.ECONOMY: 156, Cabin.BUSINESS: 24}),
    AircraftType("A321", {Cabin.ECONOMY: 190, Cabin.BUSINESS: 28}),
    AircraftType("E195", {Cabin.ECONOMY: 108, Cabin.BUSINESS: 12}),
)
LEGS_PER_TAIL = 6


def make_day_schedule(legs: int, seed: int = 0, day: date = DAY) -> list[FlightLeg]:
    """``legs`` legs flown by tails of six hub-and-spoke legs each, all on ``day`` (UTC)."""
    rng = random.Random(seed)
    out: list[FlightLeg] = []
    midnight = datetime.combine(day, datetime.min.time(), UTC)
    for tail_index in range((legs + LEGS_PER_TAIL - 1) // LEGS_PER_TAIL):
        aircraft = rng.choice(FLEET)
        hub, spoke = rng.choice(HUBS), rng.choice(SPOKES)
        departure = midnight + timedelta(minutes=300 + rng.randrange(120))
        for hop in range(min(LEGS_PER_TAIL, legs - len(out))):
            number = len(out)
            route = (hub, spoke) if hop % 2 == 0 else (spoke, hub)
            arrival = departure + timedelta(minutes=rng.randrange(60, 150))
            sold = {cabin: rng.randrange(seats // 2, seats + 1) for cabin, seats in aircraft.cabins.items()}
            times = (departure, arrival)
            tail = f"D-A{tail_index:04d}"
            out.append(make_leg(CARRIERS[number // 9000], number % 9000 + 1, day, route, times, aircraft, tail, sold))
            departure = arrival + timedelta(minutes=45 + rng.randrange(0, 60))  # turn slack 0-60m
    return out


def make_event_stream(legs: list[FlightLeg], count: int, seed: int = 0) -> list[FlightEvent]:
    """``count`` valid events over ``legs``, in time order: mostly estimates, some of each kind."""
    rng = random.Random(seed)
    tails = sorted({leg.tail_number for leg in legs if leg.tail_number})
    cancelled: set[str] = set()
    departed: set[str] = set()
    start = min(leg.scheduled_departure for leg in legs) - timedelta(hours=3)
    step = timedelta(hours=18) / max(count, 1)
    out: list[FlightEvent] = []
    for n in range(count):
        leg = rng.choice(legs)
        change = _random_change(rng, leg, tails, cancelled, departed)
        out.append(FlightEvent(f"ev-{seed}-{n}", leg.leg_id, start + n * step, change))
    return out


def _random_change(
    rng: random.Random, leg: FlightLeg, tails: list[str], cancelled: set[str], departed: set[str]
) -> Change:
    roll = rng.random()
    if leg.leg_id in cancelled:  # only a reinstatement is valid on a cancelled leg
        cancelled.discard(leg.leg_id)
        return Reinstatement()
    if roll < 0.04 and leg.leg_id not in departed:
        cancelled.add(leg.leg_id)
        return Cancellation("ATC strike")
    if roll < 0.06:
        return Diversion(rng.choice([a for a in SPOKES if a not in (leg.origin, leg.destination)]))
    if roll < 0.12:
        aircraft = rng.choice(FLEET)
        return EquipmentChange(rng.choice(tails), aircraft.code, dict(aircraft.cabins))
    if roll < 0.16 and leg.leg_id not in departed:
        departed.add(leg.leg_id)
        off_block = leg.scheduled_departure + timedelta(minutes=rng.randrange(0, 30))
        return ActualTimes(off_block=off_block, takeoff=off_block + timedelta(minutes=12))
    delay = timedelta(minutes=rng.choice((0, 5, 10, 20, 35, 60, 90, 150)))
    return EstimateChange(departure=leg.scheduled_departure + delay)

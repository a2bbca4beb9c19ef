"""Synthetic schedules and event streams for benchmarks (``rebook bench detector``) and tests."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rebook.domain.errors import DomainError
from rebook.domain.model import Cabin, FlightLeg, make_leg_id
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
from rebook.flightops.settings import DetectorSettings
from rebook.flightops.state import FlightStateStore

DAY = date(2026, 11, 23)
HUBS = ("FRA", "MUC", "ZRH", "VIE", "CDG", "AMS", "LHR", "MAD")
SPOKES = ("BER", "HAM", "DUS", "CGN", "STR", "LIS", "BCN", "FCO", "MXP", "CPH", "ARN", "OSL", "WAW", "PRG")
CARRIERS = ("RB", "XR", "ZQ", "YB", "QK")
AIRCRAFT = {  # type: (capacity per cabin)
    "A320": {Cabin.ECONOMY: 156, Cabin.BUSINESS: 24},
    "A321": {Cabin.ECONOMY: 190, Cabin.BUSINESS: 28},
    "E195": {Cabin.ECONOMY: 108, Cabin.BUSINESS: 12},
}
LEGS_PER_TAIL = 6


def make_day_schedule(legs: int, seed: int = 0, day: date = DAY) -> list[FlightLeg]:
    """``legs`` legs flown by tails of six hub-and-spoke legs each, all on ``day`` (UTC)."""
    rng = random.Random(seed)
    out: list[FlightLeg] = []
    for tail_index in range((legs + LEGS_PER_TAIL - 1) // LEGS_PER_TAIL):
        aircraft_type = rng.choice(list(AIRCRAFT))
        hub, spoke = rng.choice(HUBS), rng.choice(SPOKES)
        midnight = datetime.combine(day, datetime.min.time(), UTC)
        departure = midnight + timedelta(minutes=300 + rng.randrange(120))
        for hop in range(min(LEGS_PER_TAIL, legs - len(out))):
            number = len(out)
            carrier = CARRIERS[number // 9000]
            origin, destination = (hub, spoke) if hop % 2 == 0 else (spoke, hub)
            arrival = departure + timedelta(minutes=rng.randrange(60, 150))
            capacity = AIRCRAFT[aircraft_type]
            out.append(
                FlightLeg(
                    leg_id=make_leg_id(carrier, str(number % 9000 + 1), day, origin),
                    carrier=carrier,
                    flight_number=str(number % 9000 + 1),
                    operating_date=day,
                    origin=origin,
                    destination=destination,
                    scheduled_departure=departure,
                    scheduled_arrival=arrival,
                    capacity=dict(capacity),
                    sold={cabin: rng.randrange(seats // 2, seats + 1) for cabin, seats in capacity.items()},
                    tail_number=f"D-A{tail_index:04d}",
                    aircraft_type=aircraft_type,
                )
            )
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
        aircraft_type = rng.choice(list(AIRCRAFT))
        return EquipmentChange(rng.choice(tails), aircraft_type, dict(AIRCRAFT[aircraft_type]))
    if roll < 0.16 and leg.leg_id not in departed:
        departed.add(leg.leg_id)
        off_block = leg.scheduled_departure + timedelta(minutes=rng.randrange(0, 30))
        return ActualTimes(off_block=off_block, takeoff=off_block + timedelta(minutes=12))
    delay = timedelta(minutes=rng.choice((0, 5, 10, 20, 35, 60, 90, 150)))
    return EstimateChange(departure=leg.scheduled_departure + delay)


@dataclass(frozen=True, slots=True)
class BenchResult:
    legs: int
    events: int
    load_seconds: float
    apply_seconds: float
    disruptions: int
    rejected: int

    @property
    def events_per_second(self) -> float:
        return self.events / self.apply_seconds if self.apply_seconds else float("inf")


def run(legs: int = 3000, events: int = 10_000, seed: int = 0, settings: DetectorSettings | None = None) -> BenchResult:
    """Loads a synthetic day and times applying a synthetic event stream to it."""
    schedule = make_day_schedule(legs, seed)
    stream = make_event_stream(schedule, events, seed)
    store = FlightStateStore(settings)
    t0 = time.perf_counter()
    load_time = stream[0].event_time if stream else datetime.now(UTC)
    emitted = len(store.load_schedule(schedule, load_time).disruptions)
    t1 = time.perf_counter()
    rejected = 0
    for event in stream:
        try:
            emitted += len(store.apply(event, event.event_time).disruptions)
        except DomainError:
            rejected += 1
    return BenchResult(legs, events, t1 - t0, time.perf_counter() - t1, emitted, rejected)

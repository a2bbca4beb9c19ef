"""The storm day's storm: a ground stop at the hub as the flight events an airline would send
(cancellations in two waves, late inbound estimates, the morning's actual times)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import FlightLeg
from rebook.flightops.events import ActualTimes, Cancellation, EstimateChange, FlightEvent

from .geo import zone
from .storm_network import STORM_HUB, random_minutes

STORM_LOCAL = (timedelta(hours=13), timedelta(hours=18))  # ground stop, hub local time
STORM_NOTICE = timedelta(minutes=90)  # announced this long before it starts
STORM_CANCEL_SHARE = 0.25
STORM_DELAY_SHARE = 0.35
ACTUALS_SHARE = 0.25


@dataclass
class Storm:
    hub: str
    start: datetime
    end: datetime
    announce: datetime
    departures_in_window: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)


def storm_window(day: date, hub: str = STORM_HUB) -> tuple[datetime, datetime]:
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone(hub))
    start, end = STORM_LOCAL
    return (midnight + start).astimezone(UTC), (midnight + end).astimezone(UTC)


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


def storm(rng: random.Random, legs: list[FlightLeg], day: date) -> tuple[Storm, list[FlightEvent]]:
    """The ground stop on ``day`` and its flight events, in event-time order."""
    start, end = storm_window(day)
    found = Storm(STORM_HUB, start, end, start - STORM_NOTICE)
    new_id = _EventIds(rng)
    today = [leg for leg in legs if leg.scheduled_departure < start + timedelta(hours=12)]
    found.departures_in_window = [
        leg.leg_id for leg in today if leg.origin == STORM_HUB and start <= leg.scheduled_departure < end
    ]
    events = _cancellations(rng, found, legs, new_id)
    events += _late_inbound(rng, found, today, new_id)
    events += _actuals(rng, found, today, new_id)
    events.sort(key=lambda e: (e.event_time, e.leg_id, e.event_id))
    return found, events


def _cancellations(rng: random.Random, found: Storm, legs: list[FlightLeg], new_id: _EventIds) -> list[FlightEvent]:
    """A departure of the hub in the window is cancelled with the aircraft's next leg back to
    the hub (the return of a round trip, or tomorrow's first flight in from its home spoke),
    so every rotation stays whole in place."""
    start, end = found.start, found.end
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
    target = round(STORM_CANCEL_SHARE * len(found.departures_in_window))
    cancelled: dict[str, None] = {}
    in_window = dict.fromkeys(found.departures_in_window)
    count = 0
    second_wave = found.announce + timedelta(minutes=90)
    events: list[FlightEvent] = []
    for out, back in pairs:
        if count >= target:
            break
        count += 1 if out.leg_id in in_window else 0
        wave = found.announce if out.scheduled_departure < start + timedelta(hours=2, minutes=30) else second_wave
        when = min(wave + random_minutes(rng, (0, 15)), out.scheduled_departure - timedelta(minutes=30))
        for leg in (out, back):
            cancelled[leg.leg_id] = None
            events.append(FlightEvent(new_id(), leg.leg_id, when, Cancellation(f"WX ground stop {STORM_HUB}")))
    found.cancelled = list(cancelled)
    return events


def _late_inbound(rng: random.Random, found: Storm, today: list[FlightLeg], new_id: _EventIds) -> list[FlightEvent]:
    """Holding and ground delays at the spokes: new estimates for inbound flights."""
    cancelled = set(found.cancelled)
    inbound = [
        leg
        for leg in today
        if leg.destination == STORM_HUB
        and leg.leg_id not in cancelled
        and found.start - timedelta(minutes=30) <= leg.scheduled_arrival <= found.end
        and leg.scheduled_departure > found.announce + timedelta(minutes=20)
    ]
    late_ones = rng.sample(inbound, min(len(inbound), max(2, round(STORM_DELAY_SHARE * len(inbound)))))
    events: list[FlightEvent] = []
    for leg in sorted(late_ones, key=lambda g: (g.scheduled_departure, g.leg_id)):
        late = timedelta(minutes=5 * rng.randint(6, 30))
        latest = min(leg.scheduled_departure - timedelta(minutes=10), found.announce + timedelta(hours=2))
        span = int((latest - found.announce).total_seconds() // 60)
        when = found.announce + timedelta(minutes=rng.randint(0, max(0, span)))
        change = EstimateChange(leg.scheduled_departure + late, leg.scheduled_arrival + late)
        events.append(FlightEvent(new_id(), leg.leg_id, when, change))
        found.delayed.append(leg.leg_id)
    return events


def _actuals(rng: random.Random, found: Storm, today: list[FlightLeg], new_id: _EventIds) -> list[FlightEvent]:
    """The morning flew: some legs report actual off-block and in-block times."""
    events: list[FlightEvent] = []
    for leg in today:
        if leg.scheduled_arrival < found.announce and rng.random() < ACTUALS_SHARE:
            off = leg.scheduled_departure + timedelta(minutes=rng.randint(-3, 10))
            takeoff = off + timedelta(minutes=rng.randint(8, 18))
            block = leg.scheduled_arrival - leg.scheduled_departure
            in_block = off + block + timedelta(minutes=rng.randint(-12, 8))
            in_block = max(in_block, takeoff + timedelta(minutes=20))
            landing = in_block - timedelta(minutes=rng.randint(4, 10))
            events.append(FlightEvent(new_id(), leg.leg_id, off, ActualTimes(off_block=off, takeoff=takeoff)))
            events.append(FlightEvent(new_id(), leg.leg_id, in_block, ActualTimes(landing=landing, in_block=in_block)))
    return events

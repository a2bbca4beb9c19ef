"""Plain-data builders shared by the detector core tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightLeg, make_leg_id
from rebook.flightops import DetectorSettings, FlightEvent, FlightStateStore
from rebook.flightops.events import Change

DAY = date(2026, 11, 23)
TAIL = "D-AIAA"
_ids = itertools.count()


def t(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


def leg(
    number: str,
    origin: str,
    destination: str,
    departure: datetime,
    arrival: datetime,
    *,
    tail: str = TAIL,
    carrier: str = "RB",
    capacity: dict[Cabin, int] | None = None,
    sold: dict[Cabin, int] | None = None,
    day: date = DAY,
    **extra: object,
) -> FlightLeg:
    return FlightLeg(
        leg_id=make_leg_id(carrier, number, day, origin),
        carrier=carrier,
        flight_number=number,
        operating_date=day,
        origin=origin,
        destination=destination,
        scheduled_departure=departure,
        scheduled_arrival=arrival,
        capacity=capacity if capacity is not None else {Cabin.ECONOMY: 150, Cabin.BUSINESS: 20},
        sold=sold if sold is not None else {Cabin.ECONOMY: 120, Cabin.BUSINESS: 10},
        tail_number=tail,
        aircraft_type="A320",
        **extra,  # type: ignore[arg-type]
    )


def rotation() -> list[FlightLeg]:
    """Four legs of one aircraft; the turns have 5, 15 and 25 minutes of slack over 45m."""
    return [
        leg("100", "FRA", "BER", t(6), t(7)),
        leg("101", "BER", "FRA", t(7, 50), t(8, 50)),
        leg("102", "FRA", "MUC", t(9, 50), t(10, 50)),
        leg("103", "MUC", "FRA", t(12), t(13)),
    ]


def event(leg_id: str, change: Change, at: datetime | None = None, event_id: str = "") -> FlightEvent:
    return FlightEvent(event_id or f"ev-{next(_ids)}", leg_id, at or t(5), change)


def loaded(legs: list[FlightLeg] | None = None, **settings: object) -> FlightStateStore:
    store = FlightStateStore(DetectorSettings(**settings))  # type: ignore[arg-type]
    store.load_schedule(legs if legs is not None else rotation(), t(4))
    return store


def by_id(disruptions: list[Disruption]) -> dict[str, Disruption]:
    out = {d.disruption_id: d for d in disruptions}
    assert len(out) == len(disruptions), "one version per id per write"
    return out


def announced(disruptions: list[Disruption]) -> list[Disruption]:
    """What is announced: retimings below the delay threshold are published for the
    optimizer's connection checks only."""
    return [d for d in disruptions if not d.below_threshold]


def did(kind: DisruptionKind, leg_id: str) -> str:
    return f"{kind.name}:{leg_id}"


def snapshot(store: FlightStateStore) -> tuple:
    """Everything observable about a store, to prove a failed write left it untouched."""
    legs = sorted(store.legs(), key=lambda x: x.leg_id)
    disruptions = sorted(store.disruptions(include_withdrawn=True), key=lambda d: d.disruption_id)
    views = {x.leg_id: store.view(x.leg_id) for x in legs}
    return legs, disruptions, views

"""The generated instances do not change: the optimizer's numbers are compared across sessions
on ``rebook bench optimizer``'s meltdowns, and the scenario and detector tests rely on their
days.  The digests were taken before the three generators became one package
(``rebook.tooling.sim.generator``); a change to a profile that moves any of them is a new
instance set and must say so (new digests, and the lead's numbers re-measured)."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from datetime import UTC, date, datetime, timedelta
from functools import cache

import pytest
from google.protobuf.message import Message

from rebook.tooling.sim.generator import cancelled_flights, detector_day, generate, meltdown

MELTDOWNS = {  # (family, passengers, seed): digest of (flights, bookings, disruptions)
    ("meltdown", 500, 3): "38d902aa14f45caf",
    ("large-parties", 500, 3): "9cf39e7ca347cf0e",
    ("mixed-cabins", 500, 3): "0d7aab7a522a1ff0",
    ("two-stop", 500, 3): "196099a8af3b8ed2",
    ("priority-groups", 500, 3): "0ee3d2ed15048ebb",
    ("eu261", 500, 3): "e8ff047725d12349",
    ("meltdown", 2500, 1): "a3f1c742443c773e",
}
STORM_DAYS = {1: "cd510682bb3aeb02", 4: "ed8ff1ecd0e33611"}  # seed of the small size: digest
DETECTOR_DAYS = {(301, 2000, 0): "0017e41c219ea092", (60, 500, 7): "6f97d0404095aa71"}  # legs, events, seed
# The fault suite's networks (seed, cancelled, bookings per leg), on a fixed clock: taken when
# ``make_network`` moved out of tests/faults/world.py, after checking it drew as before.
FAULT_NETWORKS = {(5, 4, 40): "91b8436e8d77ef44", (11, 2, 20): "6bf799b90fa4c76b"}
FAULT_CLOCK = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@cache
def _fields(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _parts(value: object, out: list[str]) -> None:
    """A canonical text of ``value``: every field of every dataclass, dicts in their order
    (the order is part of an instance: it is the order the optimizer reads), sets sorted."""
    if isinstance(value, (str, int, float, bool, type(None), datetime, date, timedelta, enum.Enum)):
        out.append(repr(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for item in value:
            _parts(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for key, item in value.items():
            _parts(key, out)
            _parts(item, out)
        out.append("}")
    elif isinstance(value, (set, frozenset)):
        out.append("set(" + ",".join(sorted(repr(v) for v in value)) + ")")
    elif isinstance(value, Message):
        out.append(type(value).__name__ + value.SerializeToString(deterministic=True).hex())
    elif dataclasses.is_dataclass(value):
        out.append(type(value).__name__ + "(")
        for name in _fields(type(value)):
            _parts(getattr(value, name), out)
        out.append(")")
    else:
        raise TypeError(f"no canonical form for {type(value).__name__}")


def digest(value: object) -> str:
    out: list[str] = []
    _parts(value, out)
    return hashlib.sha256("\x1f".join(out).encode()).hexdigest()[:16]


def test_the_digest_sees_order_and_every_field() -> None:
    legs = detector_day.make_day_schedule(12, seed=1)
    assert digest(legs) == digest(detector_day.make_day_schedule(12, seed=1))
    assert digest(legs) != digest(legs[::-1])
    assert digest(legs) != digest([dataclasses.replace(legs[0], min_turn=timedelta(minutes=46)), *legs[1:]])
    reordered = dataclasses.replace(legs[0], sold=dict(reversed(list(legs[0].sold.items()))))
    assert digest(legs) != digest([reordered, *legs[1:]])


@pytest.mark.parametrize(("family", "passengers", "seed"), sorted(MELTDOWNS))
def test_every_meltdown_family_is_the_instance_it_was(family: str, passengers: int, seed: int) -> None:
    instance = meltdown.generate_hub_meltdown(passengers, seed, meltdown.FAMILIES[family])
    assert digest(instance) == MELTDOWNS[(family, passengers, seed)]


@pytest.mark.parametrize("seed", sorted(STORM_DAYS))
def test_the_small_storm_day_is_the_scenario_it_was(seed: int) -> None:
    day = generate(seed=seed, size="small")
    assert digest([day.legs, day.bookings, day.events, day.pings, day.storm, day.manifest()]) == STORM_DAYS[seed]


@pytest.mark.parametrize(("legs", "events", "seed"), sorted(DETECTOR_DAYS))
def test_the_detector_day_and_its_events_are_what_they_were(legs: int, events: int, seed: int) -> None:
    schedule = detector_day.make_day_schedule(legs, seed)
    stream = detector_day.make_event_stream(schedule, events, seed)
    assert digest([schedule, stream]) == DETECTOR_DAYS[(legs, events, seed)]


@pytest.mark.parametrize(("seed", "cancelled", "per_leg"), sorted(FAULT_NETWORKS))
def test_the_fault_suites_network_is_what_it_was(seed: int, cancelled: int, per_leg: int) -> None:
    network = cancelled_flights.make_network(seed, cancelled, per_leg, now=FAULT_CLOCK)
    assert digest([network.cancelled, network.later, network.bookings]) == FAULT_NETWORKS[(seed, cancelled, per_leg)]

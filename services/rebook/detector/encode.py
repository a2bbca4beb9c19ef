"""The writer's hot path: legs and disruption versions to the bytes it publishes.

Byte for byte what ``leg_to_proto(...)`` / ``disruption_to_proto(...)`` from
``rebook.domain.convert`` serialise to (deterministically; a unit test holds them together),
at about half the cost: timestamps are built from the epoch offset instead of through
``Timestamp.FromDatetime`` + ``CopyFrom``, every submessage is passed to the constructor, and
the few distinct cabin layouts and turn times are converted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from rebook.domain.convert import cabins_to_proto, to_duration, to_timestamp
from rebook.domain.model import Cabin, Disruption, FlightLeg
from rebook.v1 import disruption_pb2, flight_pb2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MEMO_MAX = 10_000

_cabins: dict[tuple, list[flight_pb2.CabinSeats]] = {}
_durations: dict[timedelta, Duration] = {}


def timestamp(value: datetime) -> Timestamp:
    if value.tzinfo is None:  # naive: whatever the shared conversion makes of it
        return to_timestamp(value)
    delta = value - _EPOCH
    return Timestamp(seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1000)


def _cabin_seats(capacity: Mapping[Cabin, int], sold: Mapping[Cabin, int]) -> list[flight_pb2.CabinSeats]:
    key = (tuple(capacity.items()), tuple(sold.items()))
    found = _cabins.get(key)
    if found is None:
        if len(_cabins) >= _MEMO_MAX:
            _cabins.clear()
        found = _cabins[key] = cabins_to_proto(capacity, sold)
    return found  # the constructor copies them: the memo stays untouched


def _duration(value: timedelta) -> Duration:
    found = _durations.get(value)
    if found is None:
        if len(_durations) >= _MEMO_MAX:
            _durations.clear()
        found = _durations[value] = to_duration(value)
    return found


_LEG_TIMES = (
    ("scheduled_departure_time", "scheduled_departure"),
    ("scheduled_arrival_time", "scheduled_arrival"),
    ("estimated_departure_time", "estimated_departure"),
    ("estimated_arrival_time", "estimated_arrival"),
    ("actual_off_block_time", "actual_off_block"),
    ("actual_takeoff_time", "actual_takeoff"),
    ("actual_landing_time", "actual_landing"),
    ("actual_in_block_time", "actual_in_block"),
)

_DISRUPTION_TIMES = (
    ("old_departure_time", "old_departure"),
    ("new_departure_time", "new_departure"),
    ("old_arrival_time", "old_arrival"),
    ("new_arrival_time", "new_arrival"),
    ("known_time", "known_time"),
)

_NO_SOLD: Mapping[Cabin, int] = {}


def leg_bytes(leg: FlightLeg, update_time: Timestamp | None = None) -> bytes:
    """``leg_to_proto(leg, update_time).SerializeToString(deterministic=True)``."""
    times = {field: timestamp(value) for field, attr in _LEG_TIMES if (value := getattr(leg, attr)) is not None}
    if update_time is not None:
        times["update_time"] = update_time
    return flight_pb2.FlightLeg(
        leg_id=leg.leg_id,
        carrier=leg.carrier,
        flight_number=leg.flight_number,
        operating_date=leg.operating_date.isoformat(),
        origin=leg.origin,
        destination=leg.destination,
        tail_number=leg.tail_number,
        aircraft_type=leg.aircraft_type,
        cabins=_cabin_seats(leg.capacity, leg.sold),
        min_turn_duration=_duration(leg.min_turn),
        status=int(leg.status),
        diverted_to=leg.diverted_to,
        version=leg.version,
        **times,
    ).SerializeToString(deterministic=True)


def disruption_bytes(disruption: Disruption) -> bytes:
    """``disruption_to_proto(disruption).SerializeToString(deterministic=True)``."""
    times = {
        field: timestamp(value) for field, attr in _DISRUPTION_TIMES if (value := getattr(disruption, attr)) is not None
    }
    return disruption_pb2.Disruption(
        disruption_id=disruption.disruption_id,
        version=disruption.version,
        kind=int(disruption.kind),
        carrier=disruption.carrier,
        leg_ids=disruption.leg_ids,
        predicted=disruption.predicted,
        cause_leg_id=disruption.cause_leg_id,
        cause=disruption.cause,
        old_cabins=_cabin_seats(disruption.old_capacity, _NO_SOLD),
        new_cabins=_cabin_seats(disruption.new_capacity, _NO_SOLD),
        diverted_to=disruption.diverted_to,
        withdrawn=disruption.withdrawn,
        **times,
    ).SerializeToString(deterministic=True)

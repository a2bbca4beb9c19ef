"""Protobuf ⇄ domain translation, shared by every servicer, Kafka loop and scenario tool.

``*_from_proto`` functions are the boundary for untrusted input: they raise
``ValidationError`` naming the bad field (prefixed with ``field``) for values that cannot
even be represented in the domain (an unparseable date, an unspecified enum); business
rules are checked by each core.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import cast

from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from rebook.domain.airports import learn_zone
from rebook.domain.errors import FieldViolation, ValidationError
from rebook.domain.model import (
    Booking,
    Cabin,
    Disruption,
    DisruptionKind,
    FlightLeg,
    FlightStatus,
    LegType,
    Passenger,
    Proximity,
    ProximityBand,
    Segment,
    SpecialService,
    Tier,
)
from rebook.v1 import booking_pb2, disruption_pb2, flight_pb2, location_pb2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MEMO_MAX = 10_000  # distinct cabin layouts and turn times are few; the memos stay small
_cabin_memo: dict[tuple[tuple[tuple[Cabin, int], ...], ...], list[flight_pb2.CabinSeats]] = {}
_duration_memo: dict[timedelta, Duration] = {}


def to_timestamp(value: datetime) -> Timestamp:
    """Epoch arithmetic on aware datetimes: the same message as ``Timestamp.FromDatetime``
    at a fraction of the cost (the detector's hot path encodes thousands per second)."""
    if value.tzinfo is None:
        stamp = Timestamp()
        stamp.FromDatetime(value)
        return stamp
    delta = value - _EPOCH
    return Timestamp(seconds=delta.days * 86_400 + delta.seconds, nanos=delta.microseconds * 1000)


def timestamp_field(message: Message, name: str) -> datetime | None:
    """The datetime of a Timestamp field, or None when unset."""
    if not message.HasField(name):
        return None
    stamp: Timestamp = getattr(message, name)
    try:
        return stamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):  # seconds/nanos outside what a datetime can hold
        raise ValidationError([FieldViolation(name, "is not a valid timestamp (0001-01-01 to 9999-12-31)")]) from None


def set_timestamp(message: Message, name: str, value: datetime | None) -> None:
    if value is not None:
        getattr(message, name).CopyFrom(to_timestamp(value))


def to_duration(value: timedelta) -> Duration:
    span = Duration()
    span.FromTimedelta(value)
    return span


def _memo_duration(value: timedelta) -> Duration:
    found = _duration_memo.get(value)
    if found is None:
        if len(_duration_memo) >= _MEMO_MAX:
            _duration_memo.clear()
        found = _duration_memo[value] = to_duration(value)
    return found  # message constructors copy it: the memo stays untouched


def _memo_cabins(capacity: Mapping[Cabin, int], sold: Mapping[Cabin, int]) -> list[flight_pb2.CabinSeats]:
    key = (tuple(capacity.items()), tuple(sold.items()))
    found = _cabin_memo.get(key)
    if found is None:
        if len(_cabin_memo) >= _MEMO_MAX:
            _cabin_memo.clear()
        found = _cabin_memo[key] = cabins_to_proto(capacity, sold)
    return found


def _times(source: object, fields: tuple[tuple[str, str], ...]) -> dict[str, Timestamp]:
    return {name: to_timestamp(value) for name, attr in fields if (value := getattr(source, attr)) is not None}


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


def _require_timestamp(message: Message, name: str, field: str, violations: list[FieldViolation]) -> datetime:
    value = timestamp_field(message, name)
    if value is None:
        violations.append(FieldViolation(f"{field}{name}", "required"))
        return datetime.fromtimestamp(0, UTC)
    return value


def cabins_to_proto(capacity: Mapping[Cabin, int], sold: Mapping[Cabin, int]) -> list[flight_pb2.CabinSeats]:
    return [
        flight_pb2.CabinSeats(
            cabin=cast(flight_pb2.Cabin, int(cabin)), capacity=capacity.get(cabin, 0), sold=sold.get(cabin, 0)
        )
        for cabin in sorted(set(capacity) | set(sold))
    ]


def cabins_from_proto(
    cabins: Iterable[flight_pb2.CabinSeats], field: str, violations: list[FieldViolation]
) -> tuple[dict[Cabin, int], dict[Cabin, int]]:
    capacity: dict[Cabin, int] = {}
    sold: dict[Cabin, int] = {}
    for index, seats in enumerate(cabins):
        if seats.cabin not in Cabin._value2member_map_:
            violations.append(FieldViolation(f"{field}[{index}].cabin", "must be a specified cabin"))
            continue
        cabin = Cabin(seats.cabin)
        if cabin in capacity:
            violations.append(FieldViolation(f"{field}[{index}].cabin", f"{cabin.name} listed twice"))
        capacity[cabin], sold[cabin] = seats.capacity, seats.sold
    return capacity, sold


def leg_to_proto(leg: FlightLeg, update_time: datetime | None = None) -> flight_pb2.FlightLeg:
    times = _times(leg, _LEG_TIMES)
    if update_time is not None:
        times["update_time"] = to_timestamp(update_time)
    return flight_pb2.FlightLeg(
        leg_id=leg.leg_id,
        carrier=leg.carrier,
        flight_number=leg.flight_number,
        operating_date=leg.operating_date.isoformat(),
        origin=leg.origin,
        destination=leg.destination,
        tail_number=leg.tail_number,
        aircraft_type=leg.aircraft_type,
        cabins=_memo_cabins(leg.capacity, leg.sold),
        min_turn_duration=_memo_duration(leg.min_turn),
        status=cast(flight_pb2.FlightStatus, int(leg.status)),
        diverted_to=leg.diverted_to,
        version=leg.version,
        leg_type=cast(
            flight_pb2.LegType, 0 if leg.leg_type == LegType.FLIGHT else int(leg.leg_type)
        ),  # unset means a flight
        origin_time_zone=leg.origin_zone,
        destination_time_zone=leg.destination_zone,
        **times,
    )


def leg_from_proto(message: flight_pb2.FlightLeg, field: str = "") -> FlightLeg:
    """A domain leg from its message; ``field`` prefixes violation paths (e.g. ``legs[3].``)."""
    violations: list[FieldViolation] = []
    try:
        operating_date = date.fromisoformat(message.operating_date)
    except ValueError:
        violations.append(FieldViolation(f"{field}operating_date", "must be an ISO date YYYY-MM-DD"))
        operating_date = date(1970, 1, 1)
    departure = _require_timestamp(message, "scheduled_departure_time", field, violations)
    arrival = _require_timestamp(message, "scheduled_arrival_time", field, violations)
    capacity, sold = cabins_from_proto(message.cabins, f"{field}cabins", violations)
    status = FlightStatus.SCHEDULED
    if message.status in FlightStatus._value2member_map_:
        status = FlightStatus(message.status)
    elif message.status:
        violations.append(FieldViolation(f"{field}status", f"{message.status} is not a known flight status"))
    leg_type = leg_type_from_number(message.leg_type)
    if leg_type is None:
        violations.append(FieldViolation(f"{field}leg_type", f"{message.leg_type} is not a known leg type"))
    if violations:
        raise ValidationError(violations)
    assert leg_type is not None  # an unknown one is a violation above
    learn_zone(message.origin, message.origin_time_zone)
    learn_zone(message.destination, message.destination_time_zone)
    min_turn = message.min_turn_duration.ToTimedelta() if message.HasField("min_turn_duration") else None
    return FlightLeg(
        leg_id=message.leg_id,
        carrier=message.carrier,
        flight_number=message.flight_number,
        operating_date=operating_date,
        origin=message.origin,
        destination=message.destination,
        scheduled_departure=departure,
        scheduled_arrival=arrival,
        capacity=capacity,
        sold=sold,
        tail_number=message.tail_number,
        aircraft_type=message.aircraft_type,
        **({"min_turn": min_turn} if min_turn is not None else {}),
        estimated_departure=timestamp_field(message, "estimated_departure_time"),
        estimated_arrival=timestamp_field(message, "estimated_arrival_time"),
        status=status,
        diverted_to=message.diverted_to,
        actual_off_block=timestamp_field(message, "actual_off_block_time"),
        actual_takeoff=timestamp_field(message, "actual_takeoff_time"),
        actual_landing=timestamp_field(message, "actual_landing_time"),
        actual_in_block=timestamp_field(message, "actual_in_block_time"),
        version=message.version,
        leg_type=leg_type,
        origin_zone=message.origin_time_zone,
        destination_zone=message.destination_time_zone,
    )


def leg_type_from_number(number: int) -> LegType | None:
    """The domain leg type of a ``LegType`` number (unset: a flight); None for an unknown one."""
    if number == 0:
        return LegType.FLIGHT
    return LegType(number) if number in LegType._value2member_map_ else None


def disruption_to_proto(disruption: Disruption) -> disruption_pb2.Disruption:
    return disruption_pb2.Disruption(
        disruption_id=disruption.disruption_id,
        version=disruption.version,
        kind=cast(disruption_pb2.DisruptionKind, int(disruption.kind)),
        carrier=disruption.carrier,
        leg_ids=disruption.leg_ids,
        predicted=disruption.predicted,
        cause_leg_id=disruption.cause_leg_id,
        cause=disruption.cause,
        old_cabins=_memo_cabins(disruption.old_capacity, {}),
        new_cabins=_memo_cabins(disruption.new_capacity, {}),
        diverted_to=disruption.diverted_to,
        withdrawn=disruption.withdrawn,
        below_threshold=disruption.below_threshold,
        **_times(disruption, _DISRUPTION_TIMES),
    )


def disruption_from_proto(message: disruption_pb2.Disruption) -> Disruption:
    violations: list[FieldViolation] = []
    if message.kind not in DisruptionKind._value2member_map_:
        violations.append(FieldViolation("kind", "must be a specified disruption kind"))
    known = _require_timestamp(message, "known_time", "", violations)
    old_capacity, _ = cabins_from_proto(message.old_cabins, "old_cabins", violations)
    new_capacity, _ = cabins_from_proto(message.new_cabins, "new_cabins", violations)
    if violations:
        raise ValidationError(violations)
    return Disruption(
        disruption_id=message.disruption_id,
        version=message.version,
        kind=DisruptionKind(message.kind),
        carrier=message.carrier,
        leg_ids=tuple(message.leg_ids),
        known_time=known,
        predicted=message.predicted,
        cause_leg_id=message.cause_leg_id,
        cause=message.cause,
        old_departure=timestamp_field(message, "old_departure_time"),
        new_departure=timestamp_field(message, "new_departure_time"),
        old_arrival=timestamp_field(message, "old_arrival_time"),
        new_arrival=timestamp_field(message, "new_arrival_time"),
        old_capacity=old_capacity,
        new_capacity=new_capacity,
        diverted_to=message.diverted_to,
        withdrawn=message.withdrawn,
        below_threshold=message.below_threshold,
    )


def booking_to_proto(booking: Booking, update_time: datetime | None = None) -> booking_pb2.Booking:
    message = booking_pb2.Booking(
        record_locator=booking.record_locator,
        version=booking.version,
        carrier=booking.carrier,
        passengers=[
            booking_pb2.Passenger(
                passenger_id=p.passenger_id,
                tier=cast(booking_pb2.Tier, int(p.tier)),
                special_services=sorted(cast(booking_pb2.SpecialService, int(s)) for s in p.special_services),
                location_consent=p.location_consent,
                contact_opt_in=p.contact_opt_in,
            )
            for p in booking.passengers
        ],
        segments=[
            booking_pb2.BookingSegment(leg_id=s.leg_id, cabin=cast(flight_pb2.Cabin, int(s.cabin)))
            for s in booking.segments
        ],
    )
    set_timestamp(message, "update_time", update_time)
    return message


# A booking held by the optimizer shares what many bookings repeat (docs/operations.md,
# "Optimizer memory per booking"): one empty service set (each empty frozenset is a new 216-byte
# object), and leg ids and carrier codes as interned strings, freed with their last booking.
_NO_SERVICES: frozenset[SpecialService] = frozenset()


def booking_from_proto(message: booking_pb2.Booking, field: str = "") -> Booking:
    violations: list[FieldViolation] = []
    passengers = []
    for index, passenger in enumerate(message.passengers):
        services = []
        for s_index, service in enumerate(passenger.special_services):
            if service not in SpecialService._value2member_map_:
                path = f"{field}passengers[{index}].special_services[{s_index}]"
                violations.append(FieldViolation(path, "must be a specified service"))
            else:
                services.append(SpecialService(service))
        if passenger.tier and passenger.tier not in Tier._value2member_map_:
            violations.append(FieldViolation(f"{field}passengers[{index}].tier", f"{passenger.tier} is not a tier"))
        passengers.append(
            Passenger(
                passenger_id=passenger.passenger_id,
                tier=Tier(passenger.tier) if passenger.tier in Tier._value2member_map_ else Tier.BASIC,
                special_services=frozenset(services) if services else _NO_SERVICES,
                location_consent=passenger.location_consent,
                contact_opt_in=passenger.contact_opt_in,
            )
        )
    segments = []
    for index, segment in enumerate(message.segments):
        if segment.cabin not in Cabin._value2member_map_:
            violations.append(FieldViolation(f"{field}segments[{index}].cabin", "must be a specified cabin"))
            continue
        segments.append(Segment(sys.intern(segment.leg_id), Cabin(segment.cabin)))
    if violations:
        raise ValidationError(violations)
    return Booking(
        record_locator=message.record_locator,
        passengers=tuple(passengers),
        segments=tuple(segments),
        version=message.version,
        carrier=sys.intern(message.carrier),
    )


def proximity_to_proto(proximity: Proximity, compute_time: datetime | None = None) -> location_pb2.Proximity:
    message = location_pb2.Proximity(
        passenger_id=proximity.passenger_id,
        nearest_airport=proximity.nearest_airport,
        target_airport=proximity.target_airport,
        band=cast(location_pb2.ProximityBand, int(proximity.band)),
        distance_km=round(proximity.distance_km),
        time_to_gate=to_duration(proximity.time_to_gate),
        stale=proximity.stale,
    )
    set_timestamp(message, "ping_time", proximity.ping_time)
    set_timestamp(message, "compute_time", compute_time)
    return message


def proximity_from_proto(message: location_pb2.Proximity) -> Proximity:
    band = ProximityBand(message.band) if message.band in ProximityBand._value2member_map_ else ProximityBand.UNKNOWN
    return Proximity(
        passenger_id=message.passenger_id,
        nearest_airport=message.nearest_airport,
        target_airport=message.target_airport,
        band=band,
        distance_km=float(message.distance_km),
        time_to_gate=message.time_to_gate.ToTimedelta(),
        ping_time=timestamp_field(message, "ping_time") or datetime.fromtimestamp(0, UTC),
        stale=message.stale,
    )

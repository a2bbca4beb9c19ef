"""The scenario format's JSON mapping at I/O speed: bookings, legs and pings straight between
JSON Lines and domain objects, without building protobuf messages.

The fast paths accept exactly the canonical shape that protobuf's ``MessageToJson`` writes
(lowerCamelCase names, enum names, int64 as strings, ``...Z`` timestamps, ``"2100s"``
durations).  Any other line — original field names, enum numbers, offsets in timestamps,
unknown fields, a wrong type, a bad value — goes to protobuf's own parser and then to
``rebook.domain.convert``, so a line means the same and is rejected with the same message as
on the reference path.  One known difference: a key repeated in one object is read with its
last value here, where protobuf's parser rejects the line.

Measured on 110k generated bookings (CPU time, 2 shared cores): protobuf ``Parse`` 77 µs/line
plus 21 µs to the domain; ``orjson.loads`` to dicts and a check of every key and type in Python
7 µs; ``msgspec`` decoding into typed structs (keys and types checked in C) and building the
domain objects 4-5 µs, of which the domain objects are most.  Bookings use msgspec structs,
the small files msgspec's untyped decoding.  With the garbage collector on, any of these is
3-4x slower: see ``scenario.bulk_load``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal, TypeVar

import msgspec
from google.protobuf import json_format
from google.protobuf.message import Message
from msgspec import Meta

from rebook.domain.airports import learn_zone
from rebook.domain.bookings import RECORD_LOCATOR_CHARS
from rebook.domain.convert import booking_from_proto, leg_from_proto
from rebook.domain.errors import FieldViolation, ValidationError
from rebook.domain.model import (
    Booking,
    Cabin,
    FlightLeg,
    FlightStatus,
    LegType,
    Passenger,
    Segment,
    SpecialService,
    Tier,
)
from rebook.v1 import booking_pb2, flight_pb2, location_pb2

M = TypeVar("M", bound=Message)


def _names(enum_wrapper, domain) -> dict[str, object]:
    """Protobuf enum name → domain member, for the numbers the domain knows."""
    return {name: domain(number) for name, number in enum_wrapper.items() if number in domain._value2member_map_}


_CABIN = _names(flight_pb2.Cabin, Cabin)
CABIN_NAMES = {cabin: name for name, cabin in _CABIN.items()}
_TIER = {**_names(booking_pb2.Tier, Tier), booking_pb2.Tier.Name(0): Tier.BASIC}  # as booking_from_proto
_TIER_NAME = {tier: name for name, tier in _names(booking_pb2.Tier, Tier).items()}
_SERVICE = _names(booking_pb2.SpecialService, SpecialService)
_SERVICE_NAME = {service: name for name, service in _SERVICE.items()}
_STATUS = _names(flight_pb2.FlightStatus, FlightStatus)
_STATUS_NAME = {status: name for name, status in _STATUS.items()}
_LEG_TYPE = {**_names(flight_pb2.LegType, LegType), flight_pb2.LegType.Name(0): LegType.FLIGHT}

_LEG_STRINGS = (
    "legId", "carrier", "flightNumber", "origin", "destination", "tailNumber", "aircraftType", "divertedTo",
    "originTimeZone", "destinationTimeZone",
)  # fmt: skip
_LEG_TIMES = (
    "scheduledDepartureTime",
    "scheduledArrivalTime",
    "estimatedDepartureTime",
    "estimatedArrivalTime",
    "actualOffBlockTime",
    "actualTakeoffTime",
    "actualLandingTime",
    "actualInBlockTime",
)
_LEG_KEYS = frozenset(
    {*_LEG_STRINGS, *_LEG_TIMES, "operatingDate", "cabins", "minTurnDuration", "status", "version", "updateTime",
     "legType"}
)
_CABIN_KEYS = frozenset({"cabin", "capacity", "sold"})
_PING_KEYS = frozenset({"passengerId", "latitude", "longitude", "accuracyMeters", "pingTime", "consent"})
_INT64 = 2**63
_NO_SERVICES: frozenset[SpecialService] = frozenset()


class _Fallback(Exception):
    """The line is not in the canonical shape: protobuf's parser decides."""


# What sends a line to the reference path: not canonical, not JSON, or an unhashable value.
_NOT_CANONICAL = (_Fallback, msgspec.DecodeError, TypeError)


def _int64(value: object) -> int:
    if type(value) is int and -_INT64 <= value < _INT64:
        return value
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    raise _Fallback


def _int32(value: object) -> int:
    if type(value) is int and -(2**31) <= value < 2**31:
        return value
    raise _Fallback


def _str(value: object) -> str:
    if type(value) is str:
        return value
    raise _Fallback


def _bool(value: object) -> bool:
    if type(value) is bool:
        return value
    raise _Fallback


def timestamp(value: object) -> datetime:
    """``YYYY-MM-DDTHH:MM:SSZ`` (what protobuf writes for whole seconds) as an aware UTC datetime."""
    if type(value) is not str or len(value) != 20 or value[19] != "Z" or value[10] != "T":
        raise _Fallback
    try:
        return datetime(
            int(value[0:4]), int(value[5:7]), int(value[8:10]),
            int(value[11:13]), int(value[14:16]), int(value[17:19]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        raise _Fallback from None


def _keys(obj: object, allowed: frozenset[str]) -> Mapping:
    if type(obj) is not dict or not obj.keys() <= allowed:
        raise _Fallback
    return obj


# ---- bookings -------------------------------------------------------------------------


class _PassengerJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    passenger_id: str = ""
    tier: str = "TIER_UNSPECIFIED"
    special_services: tuple[str, ...] = ()
    location_consent: bool = False
    contact_opt_in: bool = False


class _SegmentJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    leg_id: str = ""
    cabin: str = "CABIN_UNSPECIFIED"


class _BookingJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    record_locator: str = ""
    version: str | int = 0
    carrier: str = ""
    passengers: list[_PassengerJson] = []
    segments: list[_SegmentJson] = []


# ---- bookings already clean on their own (rebook scenario check) ----------------------
# The same JSON, with the shape rules of ``rebook.domain.bookings`` that msgspec can check in C
# (every name known, ids present, a positive int64 version, at least one passenger and one
# segment): a line that decodes into these is a line ``BookingDecoder`` builds on its fast
# path, whose booking has no shape violation left but a party too large or repeated ids.
_STRICT_RECORD_LOCATOR = Annotated[str, Meta(pattern=rf"\A[{''.join(sorted(RECORD_LOCATOR_CHARS))}]{{5,8}}\Z")]
_STRICT_VERSION = (  # as ``_int64`` reads it, and 1 or more
    Annotated[int, Meta(ge=1, le=_INT64 - 1)] | Annotated[str, Meta(pattern=r"\A(?=[0-9]{1,18}\Z)0*[1-9]")]
)
_ID = Annotated[str, Meta(min_length=1)]


class _StrictPassengerJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True, gc=False):
    passenger_id: _ID
    tier: Literal[tuple(_TIER)] = "TIER_UNSPECIFIED"  # type: ignore[valid-type]
    special_services: tuple[Literal[tuple(_SERVICE)], ...] = ()  # type: ignore[valid-type]
    location_consent: bool = False
    contact_opt_in: bool = False


class _StrictSegmentJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True, gc=False):
    leg_id: _ID
    cabin: Literal[tuple(_CABIN)]  # type: ignore[valid-type]


class StrictBookingJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    record_locator: _STRICT_RECORD_LOCATOR
    version: _STRICT_VERSION
    passengers: Annotated[list[_StrictPassengerJson], Meta(min_length=1)]
    segments: Annotated[list[_StrictSegmentJson], Meta(min_length=1)]
    carrier: str = ""


def strict_structs(lines: list[bytes]) -> list[StrictBookingJson] | None:
    """Every line decoded as a ``StrictBookingJson``, or None when any line is not one."""
    decode = _STRICT_DECODER.decode
    try:
        return [decode(line) for line in lines]
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


_STRICT_DECODER = msgspec.json.Decoder(StrictBookingJson)


class BookingDecoder:
    """Bookings from JSON lines.  Equal (leg, cabin) segments are one shared object, equal
    passenger service sets one frozenset and equal carrier codes one string: immutable, so
    sharing them saves memory for free (docs/operations.md).  Itineraries are not shared: on
    the airline scenario 1.48 M bookings have 0.64 M distinct ones, and a table of them costs
    about what it saves."""

    def __init__(self) -> None:
        self._decoder = msgspec.json.Decoder(_BookingJson)
        self._segments: dict[tuple[str, str], Segment] = {}
        self._services: dict[tuple[str, ...], frozenset[SpecialService]] = {(): _NO_SERVICES}
        self._carriers: dict[str, str] = {}

    def decode_block(self, lines: list[bytes]) -> list[Booking] | None:
        """The booking of every line, or None when any line needs the reference path (then
        ``decode`` each line: a block is all or nothing, so a caller never mixes the two)."""
        decode, fast = self._decoder.decode, self._fast
        try:  # each line built as soon as it is decoded, while its struct is still in the cache
            return [fast(decode(line)) for line in lines]
        except (*_NOT_CANONICAL, msgspec.ValidationError):
            return None

    def decode_structs(self, structs: list[StrictBookingJson]) -> list[Booking] | None:
        """The bookings of lines already decoded strictly (``strict_structs``): the same ones
        ``decode_block`` builds from those lines, since a strict struct is a ``_BookingJson``
        with its shape proven; None when one needs the reference path after all."""
        fast = self._fast
        try:
            return [fast(s) for s in structs]  # type: ignore[arg-type]  # the same fields, stricter
        except _NOT_CANONICAL:
            return None

    def decode(self, line: bytes | str, field: str = "", where: str = "line") -> Booking:
        """The booking of one line; ``ValidationError`` if bad: a field's path is prefixed with
        ``field``, a line protobuf cannot parse is named ``where`` (e.g. ``bookings.jsonl:12``)."""
        try:
            return self._fast(self._decoder.decode(line))
        except (*_NOT_CANONICAL, msgspec.ValidationError):
            return booking_from_proto(parse_line(line, booking_pb2.Booking, where), field=field)

    def _learn_services(self, obj: _PassengerJson) -> bool:
        if not all(name in _SERVICE for name in obj.special_services):
            return False
        self._services[obj.special_services] = frozenset(_SERVICE[n] for n in obj.special_services)
        return True

    def _fast(self, obj: _BookingJson) -> Booking:
        # One loop per list, inlined: building the objects is most of reading a booking.
        tiers, services = _TIER.get, self._services.get
        passengers = []
        for p in obj.passengers:
            tier, needs = tiers(p.tier), services(p.special_services)
            if tier is None or needs is None:
                if tier is None or not self._learn_services(p):
                    raise _Fallback
                needs = self._services[p.special_services]
            passengers.append(Passenger(p.passenger_id, tier, needs, p.location_consent, p.contact_opt_in))
        shared = self._segments.get
        segments = []
        for s in obj.segments:
            segment = shared((s.leg_id, s.cabin)) or self._segment(s)
            segments.append(segment)
        return Booking(
            obj.record_locator,
            tuple(passengers),
            tuple(segments),
            _int64(obj.version),
            self._carriers.setdefault(obj.carrier, obj.carrier),
        )

    def _segment(self, obj: _SegmentJson) -> Segment:
        """A (leg, cabin) seen for the first time."""
        if obj.cabin not in _CABIN:
            raise _Fallback
        found = self._segments[(obj.leg_id, obj.cabin)] = Segment(obj.leg_id, _CABIN[obj.cabin])
        return found


def booking_json(booking: Booking) -> bytes:
    """One JSON line (without the newline), equal as JSON to ``MessageToJson(booking_to_proto(b))``."""
    out: dict[str, object] = {}
    if booking.record_locator:
        out["recordLocator"] = booking.record_locator
    if booking.version:
        out["version"] = str(booking.version)
    if booking.carrier:
        out["carrier"] = booking.carrier
    if booking.passengers:
        out["passengers"] = [_passenger_json(p) for p in booking.passengers]
    if booking.segments:
        out["segments"] = [{"legId": s.leg_id, "cabin": CABIN_NAMES[s.cabin]} for s in booking.segments]
    return msgspec.json.encode(out)


def _passenger_json(p: Passenger) -> dict[str, object]:
    out: dict[str, object] = {}
    if p.passenger_id:
        out["passengerId"] = p.passenger_id
    out["tier"] = _TIER_NAME[p.tier]
    if p.special_services:
        out["specialServices"] = [_SERVICE_NAME[s] for s in sorted(p.special_services)]
    if p.location_consent:
        out["locationConsent"] = True
    if p.contact_opt_in:
        out["contactOptIn"] = True
    return out


# ---- legs -----------------------------------------------------------------------------


class LegDecoder:
    """Flight legs from JSON lines (the schedule is small; this keeps it off the critical path)."""

    def __init__(self) -> None:
        self._turns: dict[str, timedelta] = {}

    def decode(self, line: bytes | str, field: str = "", where: str = "line") -> FlightLeg:
        """The leg of one line; errors as ``BookingDecoder.decode``."""
        try:
            return self._fast(msgspec.json.decode(line))
        except _NOT_CANONICAL:
            return leg_from_proto(parse_line(line, flight_pb2.FlightLeg, where), field=field)

    def _fast(self, obj: object) -> FlightLeg:
        obj = _keys(obj, _LEG_KEYS)
        if "updateTime" in obj:
            timestamp(obj["updateTime"])  # validated, not kept (as leg_from_proto)
        times = {name: timestamp(obj[name]) if name in obj else None for name in _LEG_TIMES}
        if times["scheduledDepartureTime"] is None or times["scheduledArrivalTime"] is None:
            raise _Fallback  # the reference path names the missing field
        capacity, sold = self._cabins(obj.get("cabins", ()))
        status = _STATUS.get(obj.get("status", "FLIGHT_STATUS_SCHEDULED"))
        if status is None:
            raise _Fallback
        strings = [_str(obj.get(name, "")) for name in _LEG_STRINGS]
        leg_type = _LEG_TYPE.get(obj.get("legType", "LEG_TYPE_UNSPECIFIED"))
        if leg_type is None:
            raise _Fallback
        turn = {"min_turn": self._turn(obj["minTurnDuration"])} if "minTurnDuration" in obj else {}
        leg = FlightLeg(
            leg_id=strings[0],
            carrier=strings[1],
            flight_number=strings[2],
            operating_date=_date(obj.get("operatingDate", "")),
            origin=strings[3],
            destination=strings[4],
            scheduled_departure=times["scheduledDepartureTime"],
            scheduled_arrival=times["scheduledArrivalTime"],
            capacity=capacity,
            sold=sold,
            tail_number=strings[5],
            aircraft_type=strings[6],
            **turn,
            estimated_departure=times["estimatedDepartureTime"],
            estimated_arrival=times["estimatedArrivalTime"],
            status=status,
            diverted_to=strings[7],
            actual_off_block=times["actualOffBlockTime"],
            actual_takeoff=times["actualTakeoffTime"],
            actual_landing=times["actualLandingTime"],
            actual_in_block=times["actualInBlockTime"],
            version=_int64(obj.get("version", 0)),
            leg_type=leg_type,
            origin_zone=strings[8],
            destination_zone=strings[9],
        )
        learn_zone(leg.origin, leg.origin_zone)  # as leg_from_proto
        learn_zone(leg.destination, leg.destination_zone)
        return leg

    @staticmethod
    def _cabins(cabins: object) -> tuple[dict[Cabin, int], dict[Cabin, int]]:
        if type(cabins) is not list:
            raise _Fallback
        capacity: dict[Cabin, int] = {}
        sold: dict[Cabin, int] = {}
        for seats in cabins:
            seats = _keys(seats, _CABIN_KEYS)
            cabin = _CABIN.get(seats.get("cabin"))
            if cabin is None or cabin in capacity:
                raise _Fallback
            capacity[cabin], sold[cabin] = _int32(seats.get("capacity", 0)), _int32(seats.get("sold", 0))
        return capacity, sold

    def _turn(self, text: object) -> timedelta:
        found = self._turns.get(text) if type(text) is str else None
        if found is None:
            if type(text) is not str or text[-1:] != "s" or not text[:-1].isascii() or not text[:-1].isdigit():
                raise _Fallback
            found = self._turns[text] = timedelta(seconds=int(text[:-1]))
        return found


def _date(text: object) -> date:
    if type(text) is not str or len(text) != 10:
        raise _Fallback
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Fallback from None


# ---- pings ----------------------------------------------------------------------------


def check_ping(line: bytes | str, where: str = "line") -> None:
    """Raises ``ValidationError`` if the line is not a ``LocationPing`` (pings are only counted
    offline, so nothing is built)."""
    try:
        obj = _keys(msgspec.json.decode(line), _PING_KEYS)
        _str(obj.get("passengerId", ""))
        _bool(obj.get("consent", False))
        for name in ("latitude", "longitude", "accuracyMeters"):
            if type(obj.get(name, 0.0)) not in (int, float):
                raise _Fallback
        if "pingTime" in obj:
            timestamp(obj["pingTime"])
    except _NOT_CANONICAL:
        parse_line(line, location_pb2.LocationPing, where)


def parse_line(line: bytes | str, message_type: type[M], where: str) -> M:
    """The reference path: protobuf's JSON parser, its error as a violation named ``where``."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        return json_format.Parse(text, message_type())
    except (json_format.ParseError, UnicodeDecodeError) as exc:
        raise ValidationError([FieldViolation(where, str(exc))]) from None

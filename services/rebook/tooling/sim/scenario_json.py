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

This module reads and writes bookings; ``scenario_json_legs`` the legs and pings,
``scenario_json_fields`` the values and the fallback both share.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from rebook.domain.bookings import RECORD_LOCATOR_CHARS
from rebook.domain.convert import booking_from_proto
from rebook.domain.model import Booking, Passenger, Segment, SpecialService
from rebook.v1 import booking_pb2

from .scenario_json_fields import (
    CABIN,
    CABIN_NAMES,
    INT64,
    NOT_CANONICAL,
    SERVICE,
    SERVICE_NAME,
    TIER,
    TIER_NAME,
    Fallback,
    int64,
    parse_line,
)

NO_SERVICES: frozenset[SpecialService] = frozenset()


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
_STRICT_VERSION = (  # as ``int64`` reads it, and 1 or more
    Annotated[int, Meta(ge=1, le=INT64 - 1)] | Annotated[str, Meta(pattern=r"\A(?=[0-9]{1,18}\Z)0*[1-9]")]
)
_ID = Annotated[str, Meta(min_length=1)]


class _StrictPassengerJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True, gc=False):
    passenger_id: _ID
    tier: Literal[tuple(TIER)] = "TIER_UNSPECIFIED"  # type: ignore[valid-type]
    special_services: tuple[Literal[tuple(SERVICE)], ...] = ()  # type: ignore[valid-type]
    location_consent: bool = False
    contact_opt_in: bool = False


class _StrictSegmentJson(msgspec.Struct, rename="camel", forbid_unknown_fields=True, gc=False):
    leg_id: _ID
    cabin: Literal[tuple(CABIN)]  # type: ignore[valid-type]


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
        self._services: dict[tuple[str, ...], frozenset[SpecialService]] = {(): NO_SERVICES}
        self._carriers: dict[str, str] = {}

    def decode_block(self, lines: list[bytes]) -> list[Booking] | None:
        """The booking of every line, or None when any line needs the reference path (then
        ``decode`` each line: a block is all or nothing, so a caller never mixes the two)."""
        decode, fast = self._decoder.decode, self._fast
        try:  # each line built as soon as it is decoded, while its struct is still in the cache
            return [fast(decode(line)) for line in lines]
        except (*NOT_CANONICAL, msgspec.ValidationError):
            return None

    def decode(self, line: bytes | str, field: str = "", where: str = "line") -> Booking:
        """The booking of one line; ``ValidationError`` if bad: a field's path is prefixed with
        ``field``, a line protobuf cannot parse is named ``where`` (e.g. ``bookings.jsonl:12``)."""
        try:
            return self._fast(self._decoder.decode(line))
        except (*NOT_CANONICAL, msgspec.ValidationError):
            return booking_from_proto(parse_line(line, booking_pb2.Booking, where), field=field)

    def _learn_services(self, obj: _PassengerJson) -> bool:
        if not all(name in SERVICE for name in obj.special_services):
            return False
        self._services[obj.special_services] = frozenset(SERVICE[n] for n in obj.special_services)
        return True

    def _fast(self, obj: _BookingJson) -> Booking:
        # One loop per list, inlined: building the objects is most of reading a booking.
        tiers, services = TIER.get, self._services.get
        passengers = []
        for p in obj.passengers:
            tier, needs = tiers(p.tier), services(p.special_services)
            if tier is None or needs is None:
                if tier is None or not self._learn_services(p):
                    raise Fallback
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
            int64(obj.version),
            self._carriers.setdefault(obj.carrier, obj.carrier),
        )

    def _segment(self, obj: _SegmentJson) -> Segment:
        """A (leg, cabin) seen for the first time."""
        if obj.cabin not in CABIN:
            raise Fallback
        found = self._segments[(obj.leg_id, obj.cabin)] = Segment(obj.leg_id, CABIN[obj.cabin])
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
    out["tier"] = TIER_NAME[p.tier]
    if p.special_services:
        out["specialServices"] = [SERVICE_NAME[s] for s in sorted(p.special_services)]
    if p.location_consent:
        out["locationConsent"] = True
    if p.contact_opt_in:
        out["contactOptIn"] = True
    return out

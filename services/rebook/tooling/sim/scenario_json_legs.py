"""Flight legs and location pings of the scenario format at I/O speed (the bookings are
``scenario_json``; the same fast path and fallback)."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec

from rebook.domain.airports import learn_zone
from rebook.domain.convert import leg_from_proto
from rebook.domain.model import Cabin, FlightLeg
from rebook.v1 import flight_pb2, location_pb2

from .scenario_json_fields import (
    CABIN,
    CABIN_KEYS,
    LEG_TYPE,
    NOT_CANONICAL,
    STATUS,
    Fallback,
    boolean,
    int32,
    int64,
    keys,
    parse_line,
    string,
    timestamp,
)

_LEG_STRINGS = (
    "legId",
    "carrier",
    "flightNumber",
    "origin",
    "destination",
    "tailNumber",
    "aircraftType",
    "divertedTo",
    "originTimeZone",
    "destinationTimeZone",
)
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
    {
        *_LEG_STRINGS,
        *_LEG_TIMES,
        "operatingDate",
        "cabins",
        "minTurnDuration",
        "status",
        "version",
        "updateTime",
        "legType",
    }
)
_PING_KEYS = frozenset({"passengerId", "latitude", "longitude", "accuracyMeters", "pingTime", "consent"})


class LegDecoder:
    """Flight legs from JSON lines (the schedule is small; this keeps it off the critical path)."""

    def __init__(self) -> None:
        self._turns: dict[str, timedelta] = {}

    def decode(self, line: bytes | str, field: str = "", where: str = "line") -> FlightLeg:
        """The leg of one line; errors as ``BookingDecoder.decode``."""
        try:
            return self._fast(msgspec.json.decode(line))
        except NOT_CANONICAL:
            return leg_from_proto(parse_line(line, flight_pb2.FlightLeg, where), field=field)

    def _fast(self, obj: object) -> FlightLeg:
        obj = keys(obj, _LEG_KEYS)
        if "updateTime" in obj:
            timestamp(obj["updateTime"])  # validated, not kept (as leg_from_proto)
        times = {name: timestamp(obj[name]) if name in obj else None for name in _LEG_TIMES}
        if times["scheduledDepartureTime"] is None or times["scheduledArrivalTime"] is None:
            raise Fallback  # the reference path names the missing field
        capacity, sold = self._cabins(obj.get("cabins", ()))
        status = STATUS.get(obj.get("status", "FLIGHT_STATUS_SCHEDULED"))
        if status is None:
            raise Fallback
        strings = [string(obj.get(name, "")) for name in _LEG_STRINGS]
        leg_type = LEG_TYPE.get(obj.get("legType", "LEG_TYPE_UNSPECIFIED"))
        if leg_type is None:
            raise Fallback
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
            version=int64(obj.get("version", 0)),
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
            raise Fallback
        capacity: dict[Cabin, int] = {}
        sold: dict[Cabin, int] = {}
        for seats in cabins:
            seats = keys(seats, CABIN_KEYS)
            cabin = CABIN.get(seats.get("cabin", ""))
            if cabin is None or cabin in capacity:
                raise Fallback
            capacity[cabin], sold[cabin] = int32(seats.get("capacity", 0)), int32(seats.get("sold", 0))
        return capacity, sold

    def _turn(self, text: object) -> timedelta:
        found = self._turns.get(text) if type(text) is str else None
        if found is None:
            if type(text) is not str or text[-1:] != "s" or not text[:-1].isascii() or not text[:-1].isdigit():
                raise Fallback
            found = self._turns[text] = timedelta(seconds=int(text[:-1]))
        return found


def _date(text: object) -> date:
    if type(text) is not str or len(text) != 10:
        raise Fallback
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Fallback from None


# ---- pings ----------------------------------------------------------------------------


def check_ping(line: bytes | str, where: str = "line") -> None:
    """Raises ``ValidationError`` if the line is not a ``LocationPing`` (pings are only counted
    offline, so nothing is built)."""
    try:
        obj = keys(msgspec.json.decode(line), _PING_KEYS)
        string(obj.get("passengerId", ""))
        boolean(obj.get("consent", False))
        for name in ("latitude", "longitude", "accuracyMeters"):
            if type(obj.get(name, 0.0)) not in (int, float):
                raise Fallback
        if "pingTime" in obj:
            timestamp(obj["pingTime"])
    except NOT_CANONICAL:
        parse_line(line, location_pb2.LocationPing, where)

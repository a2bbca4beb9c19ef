"""The values of the scenario format's canonical JSON shape (what protobuf's ``MessageToJson``
writes), read fast; anything else raises ``Fallback`` and goes to protobuf's own parser
(``parse_line``), the reference path.  See ``scenario_json`` for why."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import IntEnum
from typing import TypeVar

import msgspec
from google.protobuf import json_format
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message

from rebook.domain.errors import FieldViolation, ValidationError
from rebook.domain.model import Cabin, FlightStatus, LegType, SpecialService, Tier
from rebook.v1 import booking_pb2, flight_pb2

M = TypeVar("M", bound=Message)
E = TypeVar("E", bound=IntEnum)


def _names(enum_wrapper: EnumTypeWrapper, domain: type[E]) -> dict[str, E]:
    """Protobuf enum name → domain member, for the numbers the domain knows."""
    return {name: domain(number) for name, number in enum_wrapper.items() if number in domain._value2member_map_}


CABIN = _names(flight_pb2.Cabin, Cabin)
CABIN_NAMES = {cabin: name for name, cabin in CABIN.items()}
TIER = {**_names(booking_pb2.Tier, Tier), booking_pb2.Tier.Name(0): Tier.BASIC}  # as booking_from_proto
TIER_NAME = {tier: name for name, tier in _names(booking_pb2.Tier, Tier).items()}
SERVICE = _names(booking_pb2.SpecialService, SpecialService)
SERVICE_NAME = {service: name for name, service in SERVICE.items()}
STATUS = _names(flight_pb2.FlightStatus, FlightStatus)
STATUS_NAME = {status: name for name, status in STATUS.items()}
LEG_TYPE = {**_names(flight_pb2.LegType, LegType), flight_pb2.LegType.Name(0): LegType.FLIGHT}
CABIN_KEYS = frozenset({"cabin", "capacity", "sold"})
INT64 = 2**63


class Fallback(Exception):
    """The line is not in the canonical shape: protobuf's parser decides."""


# What sends a line to the reference path: not canonical, not JSON, or an unhashable value.
NOT_CANONICAL = (Fallback, msgspec.DecodeError, TypeError)


def int64(value: object) -> int:
    if type(value) is int and -INT64 <= value < INT64:
        return value
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    raise Fallback


def int32(value: object) -> int:
    if type(value) is int and -(2**31) <= value < 2**31:
        return value
    raise Fallback


def string(value: object) -> str:
    if type(value) is str:
        return value
    raise Fallback


def boolean(value: object) -> bool:
    if type(value) is bool:
        return value
    raise Fallback


def timestamp(value: object) -> datetime:
    """``YYYY-MM-DDTHH:MM:SSZ`` (what protobuf writes for whole seconds) as an aware UTC datetime."""
    if type(value) is not str or len(value) != 20 or value[19] != "Z" or value[10] != "T":
        raise Fallback
    try:
        return datetime(
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
            tzinfo=UTC,
        )
    except ValueError:
        raise Fallback from None


def keys(obj: object, allowed: frozenset[str]) -> Mapping:
    if type(obj) is not dict or not obj.keys() <= allowed:
        raise Fallback
    return obj


def parse_line(line: bytes | str, message_type: type[M], where: str) -> M:
    """The reference path: protobuf's JSON parser, its error as a violation named ``where``."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        return json_format.Parse(text, message_type())
    except (json_format.ParseError, UnicodeDecodeError) as exc:
        raise ValidationError([FieldViolation(where, str(exc))]) from None

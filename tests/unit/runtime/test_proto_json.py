"""The fast JSON objects equal protobuf's own (``MessageToDict``), key order included, for
every message type of the API, with arbitrary values: unknown enum numbers, int64 extremes,
nested and repeated messages, timestamps and durations, and (through the fallback) doubles."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

import rebook.v1
from rebook.runtime.proto_json import message_json
from rebook.v1 import flight_pb2, offer_pb2

# Every message module of the API, so that a new one is covered without editing this test.
MODULES = [
    importlib.import_module(f"rebook.v1.{module.name}")
    for module in pkgutil.iter_modules(rebook.v1.__path__)
    if module.name.endswith("_pb2")
]
TYPES = sorted(
    {getattr(m, name) for m in MODULES for name in m.DESCRIPTOR.message_types_by_name},
    key=lambda cls: cls.DESCRIPTOR.full_name,
)
SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.CPPTYPE_INT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_UINT32: st.integers(0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_INT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT64: st.integers(0, 2**64 - 1),
    FieldDescriptor.CPPTYPE_BOOL: st.booleans(),
    FieldDescriptor.CPPTYPE_DOUBLE: st.floats(allow_nan=True, allow_infinity=True),
    FieldDescriptor.CPPTYPE_FLOAT: st.floats(width=32, allow_nan=True, allow_infinity=True),
}


def _value(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
        return _message(field.message_type._concrete_class, depth + 1)
    if field.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
        return st.sampled_from([*field.enum_type.values_by_number, 99])  # 99: a number from a newer schema
    if field.cpp_type == FieldDescriptor.CPPTYPE_STRING:
        return st.binary(max_size=8) if field.type == FieldDescriptor.TYPE_BYTES else st.text(max_size=8)
    return SCALARS[field.cpp_type]


@st.composite
def _times(draw, cls: type[Message]) -> Message:
    message = cls()
    if cls.DESCRIPTOR.full_name == "google.protobuf.Timestamp":
        message.seconds = draw(st.integers(-62135596800, 253402300799))
    else:
        message.seconds = draw(st.integers(0, 315576000000))
    message.nanos = draw(st.sampled_from([0, 1_000_000, 500, 123_456_789, draw(st.integers(0, 999_999_999))]))
    return message


@st.composite
def _message(draw, cls: type[Message], depth: int = 0) -> Message:
    if cls.DESCRIPTOR.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        return draw(_times(cls))
    message = cls()
    for field in cls.DESCRIPTOR.fields:
        if depth > 2 or not draw(st.booleans()):
            continue
        values = draw(st.lists(_value(field, depth), max_size=3)) if field.is_repeated else [draw(_value(field, depth))]
        target = getattr(message, field.name)
        if field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
            if field.is_repeated:
                for value in values:
                    target.add().CopyFrom(value)
            else:
                target.CopyFrom(values[0])
        elif field.is_repeated:
            target.extend(values)
        else:
            setattr(message, field.name, values[0])
    return message


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.sampled_from(TYPES).flatmap(_message))
def test_equal_to_protobufs_own_json(message: Message) -> None:
    ours = message_json(message)
    theirs = json_format.MessageToDict(message)
    assert json.dumps(ours) == json.dumps(theirs)  # NaN-safe, and the key order counts


def test_an_offer_line_is_byte_for_byte_message_to_json() -> None:
    offer = offer_pb2.Offer(offer_id="RB1/CANCELLATION:x", version=3, status=offer_pb2.OFFER_STATUS_OPEN)
    option = offer.options.add(option_id="o1", kind=offer_pb2.OPTION_KIND_REBOOK, held=True)
    option.arrival_time.FromJsonString("2026-12-03T10:15:00Z")
    option.arrival_delay.FromJsonString("5400s")
    option.segments.add(leg_id="RB1-2026-12-03-FRA", cabin=flight_pb2.CABIN_ECONOMY)
    assert json.dumps(message_json(offer)) == json_format.MessageToJson(offer, indent=None)

"""Protobuf messages to their canonical JSON objects, several times faster than
``json_format.MessageToDict`` and equal to it (same keys, order and values).

``json_format`` decides anew, for every field of every message, what kind of value it holds
(about 0.3 ms per offer: a plan of 60k offers spent ~10 s writing its file).  Here each message
type's fields are looked at once and turned into a converter per field; a message is then one
pass over ``ListFields()``, which already holds exactly the fields the JSON shows.  Message
types with a field this does not special-case (floats, maps, extensions, well-known types
other than Timestamp and Duration) go to ``json_format`` itself, so the output never differs.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

Convert = Callable[[Any], Any]
# field number → (JSON name, converter of the field's value); None: json_format does the type
_Plan = dict[int, tuple[str, Convert]] | None

_INT64 = {FieldDescriptor.CPPTYPE_INT64, FieldDescriptor.CPPTYPE_UINT64}
_INT32 = {FieldDescriptor.CPPTYPE_INT32, FieldDescriptor.CPPTYPE_UINT32}
_TIMES = {"google.protobuf.Timestamp", "google.protobuf.Duration"}
_plans: dict[str, _Plan] = {}
_times: dict[tuple[str, int, int], str] = {}
_MAX_TIMES = 200_000
_lock = threading.Lock()


def message_json(message: Message) -> dict[str, Any]:
    """``json_format.MessageToDict(message)`` (default options), only faster."""
    try:
        plan = _plans[message.DESCRIPTOR.full_name]
    except KeyError:
        plan = _plan_of(message.DESCRIPTOR)
    if plan is None:
        return json_format.MessageToDict(message)
    out = {}
    for field, value in message.ListFields():
        name, convert = plan[field.number]
        out[name] = convert(value)
    return out


def message_json_line(message: Message) -> str:
    """``json_format.MessageToJson(message, indent=None)``, byte for byte: one JSON Lines line."""
    return json.dumps(message_json(message))


def _plan_of(descriptor: Any) -> _Plan:  # upb's and the pure Python Descriptor
    with _lock:
        if descriptor.full_name not in _plans:
            _plans[descriptor.full_name] = _make_plan(descriptor)
        return _plans[descriptor.full_name]


def _make_plan(descriptor: Any) -> _Plan:
    if descriptor.full_name.startswith("google.protobuf.") or descriptor.GetOptions().map_entry:
        return None
    plan: dict[int, tuple[str, Convert]] = {}
    for field in descriptor.fields:
        convert = _value_converter(field)
        if convert is None or (field.message_type is not None and field.message_type.GetOptions().map_entry):
            return None
        if field.is_repeated:
            convert = _each(convert)
        plan[field.number] = (field.json_name, convert)
    return plan


def _value_converter(field: Any) -> Convert | None:
    """How one value of ``field`` looks in JSON; None for a kind left to ``json_format``."""
    kind = field.cpp_type
    if kind == FieldDescriptor.CPPTYPE_MESSAGE:
        if field.message_type.full_name in _TIMES:
            return _times_json
        return None if field.message_type.full_name.startswith("google.protobuf.") else message_json
    if kind == FieldDescriptor.CPPTYPE_ENUM:
        return _enum_converter(field.enum_type)
    if kind == FieldDescriptor.CPPTYPE_STRING:
        return _bytes_json if field.type == FieldDescriptor.TYPE_BYTES else str
    if kind == FieldDescriptor.CPPTYPE_BOOL:
        return bool
    if kind in _INT64:
        return str
    if kind in _INT32:
        return int
    return None  # floats: infinities, NaN and float32 rounding are json_format's


def _enum_converter(enum: Any) -> Convert | None:
    if enum.full_name == "google.protobuf.NullValue" or enum.is_closed:
        return None  # null, and an error for unknown numbers of a closed enum: json_format's
    names = {number: value.name for number, value in enum.values_by_number.items()}
    return lambda number: names.get(number, number)


def _each(convert: Convert) -> Convert:
    return lambda values: [convert(v) for v in values]


def _times_json(value: Any) -> str:
    """Timestamps and durations repeat (a flight's times in every offer that uses it): each is
    formatted once by protobuf's own ``ToJsonString``."""
    key = (value.DESCRIPTOR.full_name, value.seconds, value.nanos)
    text = _times.get(key)
    if text is None:
        if len(_times) >= _MAX_TIMES:
            _times.clear()
        text = _times[key] = value.ToJsonString()
    return text


def _bytes_json(value: bytes) -> str:
    return base64.b64encode(value).decode("utf-8")

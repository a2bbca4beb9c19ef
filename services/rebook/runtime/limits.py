"""Size limits checked before anything is applied: an item of a request (a leg, an event, a
booking, a ping) becomes one Kafka record, and a record Kafka would refuse must be refused up
front with INVALID_ARGUMENT, not fail half-way as INTERNAL."""

from __future__ import annotations

from typing import cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from rebook.domain.errors import FieldViolation, ValidationError

# Well under Kafka's default 1 MiB per record (headers and the published form add a little).
MAX_ITEM_BYTES = 256 * 1024


def size_violation(message: Message, field: str, limit: int = MAX_ITEM_BYTES) -> FieldViolation | None:
    size = message.ByteSize()
    if size <= limit:
        return None
    return FieldViolation(field, f"is {size} bytes; at most {limit} bytes are accepted per item")


def check_size(message: Message, field: str, limit: int = MAX_ITEM_BYTES) -> None:
    """Raises ``ValidationError`` when ``message`` is larger than one item may be."""
    violation = size_violation(message, field, limit)
    if violation is not None:
        raise ValidationError([violation])


# Timestamps Python's datetime can hold (0001-01-01 .. 9999-12-31), as protobuf defines them.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799
_TIMESTAMP = "google.protobuf.Timestamp"
_DURATION = "google.protobuf.Duration"
_MAX_DURATION_SECONDS = 315_576_000_000
_worth_visiting: dict[str, tuple[FieldDescriptor, ...]] = {}


def _fields_to_visit(descriptor: Descriptor) -> tuple[FieldDescriptor, ...]:
    """The fields of a message type that can hold an enum or a message (scalars need no check)."""
    found = _worth_visiting.get(descriptor.full_name)
    if found is None:
        found = tuple(
            f for f in descriptor.fields if f.type in (FieldDescriptor.TYPE_ENUM, FieldDescriptor.TYPE_MESSAGE)
        )
        _worth_visiting[descriptor.full_name] = found
    return found


def _time_violation(message: Message, name: str) -> str | None:
    if name not in (_TIMESTAMP, _DURATION):
        return None
    timed = cast(Timestamp | Duration, message)  # by its full name
    if name == _TIMESTAMP:
        if not _MIN_SECONDS <= timed.seconds <= _MAX_SECONDS or not 0 <= timed.nanos <= 999_999_999:
            return "is not a valid timestamp (0001-01-01 to 9999-12-31)"
    elif name == _DURATION and (abs(timed.seconds) > _MAX_DURATION_SECONDS or abs(timed.nanos) > 999_999_999):
        return "is not a valid duration"
    return None


def value_violations(message: Message, path: str = "", limit: int = 1000) -> list[FieldViolation]:
    """Out-of-range timestamps/durations and enum numbers the schema does not define, anywhere in
    ``message`` (proto3 accepts both on the wire; converting them would fail as INTERNAL).
    Stops after ``limit`` violations."""
    found: list[FieldViolation] = []
    _visit(message, path, found, limit)
    return found


def _visit(message: Message, path: str, found: list[FieldViolation], limit: int) -> None:
    descriptor = cast(Descriptor, message.DESCRIPTOR)  # the C (upb) descriptor has the same interface
    problem = _time_violation(message, descriptor.full_name)
    if problem:
        found.append(FieldViolation(path or descriptor.name, problem))
        return
    for field in _fields_to_visit(descriptor):
        if len(found) >= limit:
            return
        name = f"{path}.{field.name}" if path else field.name
        repeated = field.is_repeated
        enum_type, message_type = field.enum_type, field.message_type  # the one its type names
        if field.type == FieldDescriptor.TYPE_ENUM and enum_type is not None:
            values = getattr(message, field.name) if repeated else [getattr(message, field.name)]
            for i, number in enumerate(values):
                if enum_type.values_by_number.get(number) is None:
                    where = f"{name}[{i}]" if repeated else name
                    found.append(FieldViolation(where, f"{number} is not a {enum_type.name} value"))
        elif message_type is not None and message_type.GetOptions().map_entry:
            value_field = message_type.fields_by_name["value"]
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                for key, item in getattr(message, field.name).items():
                    _visit(item, f"{name}[{key}]", found, limit)
        elif repeated:
            for i, item in enumerate(getattr(message, field.name)):
                _visit(item, f"{name}[{i}]", found, limit)
        elif message.HasField(field.name):
            _visit(getattr(message, field.name), name, found, limit)


def check_values(message: Message, path: str = "") -> None:
    """Raises ``ValidationError`` listing ``value_violations`` of a request (the interceptor's check)."""
    violations = value_violations(message, path)
    if violations:
        raise ValidationError(violations)

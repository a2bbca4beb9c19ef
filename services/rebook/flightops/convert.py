"""``FlightEvent`` protobuf ⇄ core translation (legs and disruptions use ``rebook.domain.convert``).

``event_from_proto`` rejects what cannot be represented in the core (no change set, no event
time, an unspecified cabin); everything else is validated by the core itself.
"""

from __future__ import annotations

from collections.abc import Callable

from rebook.domain.convert import cabins_from_proto, cabins_to_proto, set_timestamp, timestamp_field
from rebook.domain.errors import FieldViolation, ValidationError
from rebook.v1 import event_pb2

from .events import (
    CHANGE_FIELD,
    ActualTimes,
    Cancellation,
    Change,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)


def _estimate(message: event_pb2.EstimateChange, path: str, out: list[FieldViolation]) -> Change:
    return EstimateChange(timestamp_field(message, "departure_time"), timestamp_field(message, "arrival_time"))


def _cancellation(message: event_pb2.Cancellation, path: str, out: list[FieldViolation]) -> Change:
    return Cancellation(message.reason)


def _reinstatement(message: event_pb2.Reinstatement, path: str, out: list[FieldViolation]) -> Change:
    return Reinstatement()


def _diversion(message: event_pb2.Diversion, path: str, out: list[FieldViolation]) -> Change:
    return Diversion(message.airport)


def _equipment(message: event_pb2.EquipmentChange, path: str, out: list[FieldViolation]) -> Change:
    capacity, _ = cabins_from_proto(message.cabins, f"{path}.cabins", out)
    return EquipmentChange(message.tail_number, message.aircraft_type, capacity)


def _actuals(message: event_pb2.ActualTimes, path: str, out: list[FieldViolation]) -> Change:
    return ActualTimes(
        off_block=timestamp_field(message, "off_block_time"),
        takeoff=timestamp_field(message, "takeoff_time"),
        landing=timestamp_field(message, "landing_time"),
        in_block=timestamp_field(message, "in_block_time"),
    )


_FROM_PROTO: dict[str, Callable[..., Change]] = {
    "estimate": _estimate,
    "cancellation": _cancellation,
    "reinstatement": _reinstatement,
    "diversion": _diversion,
    "equipment_change": _equipment,
    "actuals": _actuals,
}


def event_kind(message: event_pb2.FlightEvent) -> str:
    """The name of the change a message carries (``estimate``, ...), ``unspecified`` if none."""
    return message.WhichOneof("change") or "unspecified"


def event_from_proto(message: event_pb2.FlightEvent, field: str = "event") -> FlightEvent:
    """A core event from its message; violation paths start with ``field``."""
    violations: list[FieldViolation] = []
    event_time = timestamp_field(message, "event_time")
    if event_time is None:
        violations.append(FieldViolation(f"{field}.event_time", "required"))
    kind = message.WhichOneof("change")
    change: Change = Reinstatement()
    if kind is None:
        violations.append(FieldViolation(f"{field}.change", "must be one of " + ", ".join(_FROM_PROTO)))
    else:
        change = _FROM_PROTO[kind](getattr(message, kind), f"{field}.{kind}", violations)
    if violations or event_time is None:
        raise ValidationError(violations)
    return FlightEvent(message.event_id, message.leg_id, event_time, change)


def event_to_proto(event: FlightEvent) -> event_pb2.FlightEvent:
    """The message of a core event (clients, benchmarks and scenario tools)."""
    message = event_pb2.FlightEvent(event_id=event.event_id, leg_id=event.leg_id)
    set_timestamp(message, "event_time", event.event_time)
    change = event.change
    target = getattr(message, CHANGE_FIELD[type(change)])
    match change:
        case EstimateChange():
            set_timestamp(target, "departure_time", change.departure)
            set_timestamp(target, "arrival_time", change.arrival)
        case Cancellation():
            target.reason = change.reason
        case Diversion():
            target.airport = change.airport
        case EquipmentChange():
            target.tail_number, target.aircraft_type = change.tail_number, change.aircraft_type
            target.cabins.extend(cabins_to_proto(change.capacity, {}))
        case ActualTimes():
            for name, value in (
                ("off_block_time", change.off_block),
                ("takeoff_time", change.takeoff),
                ("landing_time", change.landing),
                ("in_block_time", change.in_block),
            ):
                set_timestamp(target, name, value)
    target.SetInParent()  # an empty Reinstatement still selects its oneof member
    return message

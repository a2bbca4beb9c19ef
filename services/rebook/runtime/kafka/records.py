"""A consumed message as handlers see it, and the headers every message carries.

Message headers: ``rebook-type`` (protobuf full name of the value) and ``trace-id``; a
dead-lettered copy adds ``rebook-error``, ``rebook-source`` and ``rebook-consumer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from google.protobuf.message import DecodeError, Message

TYPE_HEADER = "rebook-type"
TRACE_HEADER = "trace-id"
ERROR_HEADER = "rebook-error"
SOURCE_HEADER = "rebook-source"
CONSUMER_HEADER = "rebook-consumer"
M = TypeVar("M", bound=Message)


class PoisonMessageError(Exception):
    """A message that can never be processed (undecodable, invalid); it goes to the DLQ."""


@dataclass(frozen=True, slots=True)
class Record:
    """A consumed message, transport details reduced to what handlers need."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int = 0

    @property
    def trace_id(self) -> str:
        return self.headers.get(TRACE_HEADER, "")

    def decode(self, message_type: type[M]) -> M | None:
        """Parses the value; ``None`` for a tombstone.  Undecodable bytes are poison."""
        if self.value is None:
            return None
        declared = self.headers.get(TYPE_HEADER)
        if declared and declared != message_type.DESCRIPTOR.full_name:
            raise PoisonMessageError(f"expected {message_type.DESCRIPTOR.full_name}, header says {declared}")
        message = message_type()
        try:
            message.ParseFromString(self.value)
        except DecodeError as exc:
            raise PoisonMessageError(f"undecodable {message_type.DESCRIPTOR.full_name}: {exc}") from exc
        return message


def to_record(raw: Any) -> Record:  # a kafka-python ConsumerRecord (untyped)
    """kafka-python's ``ConsumerRecord`` as a ``Record`` (headers and key decoded)."""
    headers = {name: value.decode(errors="replace") for name, value in (raw.headers or [])}
    key = raw.key.decode(errors="replace") if raw.key is not None else None
    return Record(raw.topic, raw.partition, raw.offset, key, raw.value, headers, raw.timestamp)

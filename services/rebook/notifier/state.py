"""The notifier's durable state on a compacted topic, and its rebuild on start-up.

Keys: ``n/{notification id}`` → the ``Notification`` (latest: made, delivered, acknowledged),
``c/{passenger id}`` → the passenger's ``Channel``, ``d/{notification id}`` → a marker that
the notification went to the dead-letter topic.  Notifications are written before the
offsets of the offers that made them are committed, so after a crash every offer version
either made its notifications durably or is consumed again, and then deduped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from google.protobuf.message import Message
from kafka.errors import KafkaError

from rebook.domain.errors import DomainError
from rebook.notifier.convert import from_channel, from_notification, to_channel, to_notification
from rebook.notifier.core.channels import ChannelRecord
from rebook.notifier.core.store import Entry
from rebook.runtime.kafka import TYPE_HEADER, BatchNotDone, EventProducer, PoisonMessageError, Record
from rebook.runtime.topics import TopicSpec
from rebook.v1 import notification_service_pb2 as pb

M = TypeVar("M", bound=Message)

NOTIFICATION_KEY = "n/"
CHANNEL_KEY = "c/"
DEAD_KEY = "d/"
REASON_HEADER = "rebook-error"


class KafkaStateSink:
    """Writes state changes to the state topic and given-up notifications to the DLQ.

    ``settle`` runs before the offers consumer commits: it waits for the writes, sends again
    those Kafka did not acknowledge (each key's latest write only, so an older state never
    overwrites a newer one) and refuses the commit (``BatchNotDone``) until all are durable.
    """

    def __init__(self, producer: EventProducer, state_topic: TopicSpec, dead_letter_topic: TopicSpec) -> None:
        self._producer = producer
        self._state = state_topic
        self._dead_letter = dead_letter_topic
        self._lock = threading.Lock()
        self._in_flight: list[_Write] = []

    def notification(self, entry: Entry) -> None:
        self._write(_Write(self._state.name, NOTIFICATION_KEY + entry.notification_id, to_notification(entry)))

    def channel(self, record: ChannelRecord) -> None:
        self._write(_Write(self._state.name, CHANNEL_KEY + record.passenger_id, to_channel(record)))

    def dead(self, entry: Entry, reason: str) -> None:
        message = to_notification(entry)
        headers = ((REASON_HEADER, reason.encode()),)
        self._write(_Write(self._dead_letter.name, entry.passenger_id, message, headers, keyed_state=False))
        self._write(_Write(self._state.name, DEAD_KEY + entry.notification_id, message))

    def settle(self, timeout_s: float = 30.0) -> None:
        """Returns once every write so far is acknowledged; else re-sends the failed ones and
        raises ``BatchNotDone`` (the consumer loop calls again before it commits)."""
        try:
            self._producer.flush(timeout_s)
        except KafkaError as error:
            raise BatchNotDone(f"state writes not flushed: {error}") from None
        with self._lock:
            writes, self._in_flight = self._in_flight, []
        failed = _latest_failed(writes)
        for write in failed:
            self._write(write)
        if failed:
            raise BatchNotDone(f"{len(failed)} state writes not acknowledged; sent again")

    def _write(self, write: _Write) -> None:
        if write.keyed_state:
            future = self._producer.publish(write.topic, write.key, write.message)
        else:
            headers = [(TYPE_HEADER, write.message.DESCRIPTOR.full_name.encode()), *write.headers]
            value = write.message.SerializeToString(deterministic=True)
            future = self._producer.publish_raw(write.topic, write.key.encode(), value, headers)
        with self._lock:
            self._in_flight.append(replace(write, future=future))


@dataclass(frozen=True)
class _Write:
    topic: str
    key: str
    message: Message
    headers: tuple[tuple[str, bytes], ...] = ()
    keyed_state: bool = True  # a compacted state key: only its latest write matters
    future: Any = None


def _latest_failed(writes: list[_Write]) -> list[_Write]:
    """The writes Kafka refused that are still their key's latest (every dead letter counts)."""
    latest = {(w.topic, w.key): i for i, w in enumerate(writes) if w.keyed_state}
    return [
        w
        for i, w in enumerate(writes)
        if w.future is not None and w.future.failed() and (not w.keyed_state or latest[(w.topic, w.key)] == i)
    ]


@dataclass
class RestoredState:
    entries: list[Entry] = field(default_factory=list)
    channels: list[ChannelRecord] = field(default_factory=list)
    dead: set[str] = field(default_factory=set)


def rebuild(
    records: Iterable[Record], on_poison: Callable[[Record, Exception], object] = lambda record, error: None
) -> RestoredState:
    """The latest state per key from the state topic read to its end (tombstones drop a key).
    A record that cannot be read goes to ``on_poison`` and is skipped: one garbage record must
    not stop every start."""
    latest: dict[str, Record] = {}
    for record in records:
        if record.key is not None:
            latest[record.key] = record
    state = RestoredState()
    for key, record in latest.items():
        if record.value is None:
            continue
        try:
            _restore_one(state, key, record)
        except (PoisonMessageError, DomainError, ValueError, TypeError, KeyError) as error:
            on_poison(record, error)
    state.entries.sort(key=lambda entry: (entry.create_time, entry.version))
    return state


def _value(record: Record, message_type: type[M]) -> M:
    message = record.decode(message_type)
    if message is None:  # ``rebuild`` skips tombstones before this
        raise PoisonMessageError("a tombstone where a value was expected")
    return message


def _restore_one(state: RestoredState, key: str, record: Record) -> None:
    if key.startswith(NOTIFICATION_KEY):
        state.entries.append(from_notification(_value(record, pb.Notification)))
    elif key.startswith(CHANNEL_KEY):
        state.channels.append(from_channel(_value(record, pb.Channel)))
    elif key.startswith(DEAD_KEY):
        state.dead.add(key.removeprefix(DEAD_KEY))

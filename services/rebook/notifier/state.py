"""The notifier's durable state on a compacted topic, and its rebuild on start-up.

Keys: ``n/{notification id}`` → the ``Notification`` (latest: made, delivered, acknowledged),
``c/{passenger id}`` → the passenger's ``Channel``, ``d/{notification id}`` → a marker that
the notification went to the dead-letter topic.  Notifications are written before the
offsets of the offers that made them are committed, so after a crash every offer version
either made its notifications durably or is consumed again, and then deduped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rebook.domain.errors import DomainError
from rebook.notifier.convert import from_channel, from_notification, to_channel, to_notification
from rebook.notifier.core.channels import ChannelRecord
from rebook.notifier.core.store import Entry
from rebook.runtime.kafka import EventProducer, PoisonMessageError, Record
from rebook.runtime.topics import TopicSpec
from rebook.v1 import notification_service_pb2 as pb

NOTIFICATION_KEY = "n/"
CHANNEL_KEY = "c/"
DEAD_KEY = "d/"
REASON_HEADER = "rebook-error"


class KafkaStateSink:
    """Writes state changes to the state topic and given-up notifications to the DLQ."""

    def __init__(self, producer: EventProducer, state_topic: TopicSpec, dead_letter_topic: TopicSpec) -> None:
        self._producer = producer
        self._state = state_topic
        self._dead_letter = dead_letter_topic

    def notification(self, entry: Entry) -> None:
        self._producer.publish(self._state, NOTIFICATION_KEY + entry.notification_id, to_notification(entry))

    def channel(self, record: ChannelRecord) -> None:
        self._producer.publish(self._state, CHANNEL_KEY + record.passenger_id, to_channel(record))

    def dead(self, entry: Entry, reason: str) -> None:
        message = to_notification(entry)
        value = message.SerializeToString(deterministic=True)
        headers = [
            ("rebook-type", message.DESCRIPTOR.full_name.encode()),
            (REASON_HEADER, reason.encode()),
        ]
        self._producer.publish_raw(self._dead_letter.name, entry.passenger_id.encode(), value, headers)
        self._producer.publish(self._state, DEAD_KEY + entry.notification_id, message)


@dataclass
class RestoredState:
    entries: list[Entry] = field(default_factory=list)
    channels: list[ChannelRecord] = field(default_factory=list)
    dead: set[str] = field(default_factory=set)


def rebuild(
    records: Iterable[Record], on_poison: Callable[[Record, Exception], None] = lambda record, error: None
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


def _restore_one(state: RestoredState, key: str, record: Record) -> None:
    if key.startswith(NOTIFICATION_KEY):
        state.entries.append(from_notification(record.decode(pb.Notification)))
    elif key.startswith(CHANNEL_KEY):
        state.channels.append(from_channel(record.decode(pb.Channel)))
    elif key.startswith(DEAD_KEY):
        state.dead.add(key.removeprefix(DEAD_KEY))

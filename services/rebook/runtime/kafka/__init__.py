"""Kafka I/O shared by every service, one module per part:

- ``producer`` — ``EventProducer``, the idempotent keyed producer of protobuf values, and its
  ``DeliveryWatch`` (whether the broker acknowledges it; ``run_service`` gates health on it);
  a group of sends not all acknowledged raises ``NotAcknowledged`` once each has an outcome;
- ``consumer`` — ``ConsumerLoop``, a group member with manual commits after the side effects
  (``BatchNotDone``);
- ``view`` — ``ViewLoop``, every partition of state topics from the beginning, no group;
- ``loop`` — what both loops share: retries, the dead-letter topic (``dead_letters``), lag,
  the watchdog that replaces a stuck consumer;
- ``reads`` — ``read_to_end``, a view rebuilt from compacted topics at start-up;
- ``records`` — ``Record`` and the headers every message carries; ``probes`` — whether a
  cluster answers.

Every workaround for the client library lives in ``rebook.runtime.kafka_quirks``.  Import from
here: the names below are the runtime's Kafka API.
"""

from .consumer import BatchNotDone, ConsumerLoop
from .dead_letters import DeadLetters
from .loop import Handler
from .probes import broker_answers, broker_listening
from .producer import DeliveryWatch, EventProducer, NotAcknowledged
from .reads import read_to_end
from .records import (
    CONSUMER_HEADER,
    ERROR_HEADER,
    SOURCE_HEADER,
    TRACE_HEADER,
    TYPE_HEADER,
    PoisonMessageError,
    Record,
)
from .view import ViewLoop

__all__ = [
    "CONSUMER_HEADER",
    "ERROR_HEADER",
    "SOURCE_HEADER",
    "TRACE_HEADER",
    "TYPE_HEADER",
    "BatchNotDone",
    "ConsumerLoop",
    "DeadLetters",
    "DeliveryWatch",
    "EventProducer",
    "Handler",
    "NotAcknowledged",
    "PoisonMessageError",
    "Record",
    "ViewLoop",
    "broker_answers",
    "broker_listening",
    "read_to_end",
]

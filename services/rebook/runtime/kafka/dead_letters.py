"""Poison records copied to a dead-letter topic, each source record once."""

from __future__ import annotations

import logging
import threading

from rebook.runtime.topics import TopicSpec

from .producer import EventProducer
from .reads import read_to_end
from .records import CONSUMER_HEADER, ERROR_HEADER, SOURCE_HEADER, Record

log = logging.getLogger(__name__)


class DeadLetters:
    """Copies poison records to a dead-letter topic, each source record once.

    Views are re-read from the beginning on every start and meet the same poison again; a
    consumer may be handed a record again after a crash.  What is already on the topic (header
    ``rebook-source``: topic/partition/offset, and ``rebook-consumer``: who failed on it) is read
    once, on the first poison met, and not copied again."""

    def __init__(self, bootstrap: str, producer: EventProducer, topic: TopicSpec, consumer: str) -> None:
        self._bootstrap = bootstrap
        self._producer = producer
        self._topic = topic
        self._consumer = consumer
        self._sent: set[str] | None = None
        self._lock = threading.Lock()

    def _known(self) -> set[str]:
        if self._sent is None:
            self._sent = set()
            try:
                for r in read_to_end(self._bootstrap, [self._topic], timeout_s=30):
                    self._sent.add(f"{r.headers.get(CONSUMER_HEADER, '')} {r.headers.get(SOURCE_HEADER, '')}")
            except Exception as error:  # dedup is best effort: a copy too many beats a stuck consumer
                log.warning("could not read the dead-letter topic; duplicates possible", extra={"error": str(error)})
        return self._sent

    def send(self, record: Record, error: Exception) -> bool:
        """False when the record was dead-lettered before (nothing sent)."""
        source = f"{record.topic}/{record.partition}/{record.offset}"
        seen = f"{self._consumer} {source}"
        with self._lock:
            if seen in self._known():
                log.warning("poison message already in the dead-letter topic", extra={"source": source})
                return False
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            headers += [
                (ERROR_HEADER, f"{type(error).__name__}: {error}"[:1000].encode()),
                (SOURCE_HEADER, source.encode()),
                (CONSUMER_HEADER, self._consumer.encode()),
            ]
            key = record.key.encode() if record.key is not None else None
            self._producer.publish_raw(self._topic.name, key, record.value, headers).get(timeout=30)
            self._known().add(seen)
        log.error(
            "message sent to dead-letter topic",
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset, "error": str(error)},
        )
        return True

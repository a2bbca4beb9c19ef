"""Reading topics to their current end without a consumer group (rebuilding a view)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from kafka import KafkaConsumer, TopicPartition

from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.topics import TopicSpec

from .records import Record, to_record


def read_to_end(
    bootstrap: str,
    topics: Iterable[TopicSpec],
    partitions: Callable[[str], Iterable[int]] | None = None,
    timeout_s: float = 60.0,
    since_ms: int | None = None,
) -> Iterator[Record]:
    """Reads topics from the beginning to their current end without a consumer group.

    Used on start-up (and after a rebalance) to rebuild an in-memory view from compacted
    topics; tombstones come through as records with ``value=None``.  With ``since_ms`` (ms since
    the epoch), each partition from its first record stamped at or after then (Kafka's
    ``offsets_for_times``: a record written later with an older stamp still comes through).
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, **kafka_security())
    try:
        assignment: list[TopicPartition] = []
        for spec in topics:
            available = consumer.partitions_for_topic(spec.name) or set()
            chosen = set(partitions(spec.name)) if partitions else available
            assignment += [TopicPartition(spec.name, p) for p in sorted(available & chosen)]
        if not assignment:
            return
        consumer.assign(assignment)
        end = {tp: off for tp, off in consumer.end_offsets(assignment).items() if off > 0}
        _seek_to_start(consumer, assignment, end, since_ms)
        deadline = time.monotonic() + timeout_s
        while end:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {sorted({tp.topic for tp in end})} to the end took over {timeout_s}s")
            for tp, raw_records in consumer.poll(timeout_ms=200, max_records=5000).items():
                for raw in raw_records:
                    if tp in end and raw.offset < end[tp]:
                        yield to_record(raw)
                if tp in end and consumer.position(tp) >= end[tp]:
                    del end[tp]
    finally:
        consumer.close(autocommit=False)


def _seek_to_start(
    consumer: KafkaConsumer, assignment: list[TopicPartition], end: dict[TopicPartition, int], since_ms: int | None
) -> None:
    """Each partition at its beginning, or at its first record at ``since_ms``; one without such
    a record is left out of ``end`` (nothing to read there)."""
    if since_ms is None:
        consumer.seek_to_beginning(*assignment)
        return
    starts = consumer.offsets_for_times({tp: since_ms for tp in assignment})
    for tp in assignment:
        found = starts.get(tp)
        if found is not None and found.offset < end.get(tp, 0):
            consumer.seek(tp, found.offset)
        else:
            consumer.seek(tp, end.get(tp, 0))
            end.pop(tp, None)

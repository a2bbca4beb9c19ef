"""Every workaround for the Kafka client (kafka-python 3.x) in one place.

Nothing outside ``rebook.runtime`` touches a private attribute of kafka-python or works around
its behaviour; see ``docs/decisions/kafka-python.md`` for what it gets wrong and when a
librdkafka-based client would be worth the change.  The consumer watchdog that uses these
lives in ``kafka.loop.ProcessingLoop`` / ``kafka.consumer.ConsumerLoop``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# A poll that has not returned, or assigned partitions that stay unfetchable, this long: the
# consumer is stuck in a rebalance (seen under CPU load) and is replaced.
REBALANCE_STALL_S = 6.0
# A member that has had no partitions this long after (re)joining is replaced, at most
# JOIN_RETRIES times: kafka-python 3.0 sometimes completes a join with an empty assignment and
# then hangs in the rejoin; a fresh member of the same group recovers.  Bounded, because a
# member of a group with more members than partitions rightly stays without any.
JOIN_STALL_S = 6.0
JOIN_RETRIES = 2
# kafka-python backs reconnects off up to 30 s (the Java client: 1 s): after an outage its
# clients idled up to half a minute with the broker back.  Every client of the runtime gets these.
CLIENT_SETTINGS: dict[str, Any] = {"reconnect_backoff_max_ms": 1000}


def assignment_fetchable(consumer: Any) -> bool:
    """False while assigned partitions cannot be fetched (paused in a rebalance).  Reads the
    private ``_subscription`` of the pinned kafka-python; never lets the check break a loop."""
    try:
        return all(consumer._subscription.is_fetchable(tp) for tp in consumer.assignment())
    except Exception:
        return True


def produce_batch(future: Any) -> object:
    """The produce request a send belongs to: kafka-python's records of one batch share one
    result (its private ``_produce_future``); a future without one is its own batch."""
    return getattr(future, "_produce_future", future)


def await_acks(futures: Iterable[Any], timeout_s: float, batch_of: Callable[[Any], object] = produce_batch) -> None:
    """Returns once every send was acknowledged; raises the first send's error otherwise.

    Waiting on each of thousands of futures costs a lock round-trip apiece; the records of one
    batch are acknowledged together, so this waits once per batch (on its first record), then
    only checks each record's own result (a batch split on retry completes its parts apart)."""
    futures = list(futures)
    waited: set[int] = set()
    for future in futures:
        batch = id(batch_of(future))
        if batch not in waited:
            waited.add(batch)
            future.get(timeout=timeout_s)
    for future in futures:
        if not future.is_done or future.failed():
            future.get(timeout=timeout_s)  # raises its error, or waits a split batch

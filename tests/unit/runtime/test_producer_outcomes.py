"""A group of sends not all acknowledged: each send's outcome is waited for, so the caller
learns exactly which are on the topic (and re-sends only the rest)."""

from __future__ import annotations

import threading

from kafka.errors import KafkaTimeoutError

from rebook.runtime.kafka import NotAcknowledged
from rebook.runtime.kafka.producer import outcomes


class LateFuture:
    """A send whose outcome the client's I/O thread sets later (``resolve``), like kafka-python's."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._error: Exception | None = None

    @property
    def is_done(self) -> bool:
        return self._done.is_set()

    def succeeded(self) -> bool:
        return self.is_done and self._error is None

    def resolve(self, error: Exception | None = None) -> None:
        self._error = error
        self._done.set()

    def get(self, timeout: float | None = None) -> None:
        if not self._done.wait(timeout):
            raise KafkaTimeoutError(f"Timeout after waiting for {timeout} secs.")
        if self._error is not None:
            raise self._error


def test_outcomes_wait_for_sends_still_in_flight() -> None:
    acked, expired, late = LateFuture(), LateFuture(), LateFuture()
    acked.resolve()
    expired.resolve(KafkaTimeoutError("Expiring 1 record(s)"))
    resolver = threading.Thread(target=lambda: late.resolve())
    waiter = threading.Timer(0.05, resolver.start)
    waiter.start()
    try:
        assert outcomes([acked, expired, late], timeout_s=30) == [True, False, True]
    finally:
        waiter.join()
        resolver.join()


def test_a_send_still_pending_at_the_timeout_counts_as_not_acknowledged() -> None:
    acked, pending = LateFuture(), LateFuture()
    acked.resolve()
    assert outcomes([pending, acked], timeout_s=0.01) == [False, True]


def test_not_acknowledged_names_the_items_kafka_has() -> None:
    error = NotAcknowledged(KafkaTimeoutError("gone"), [True, False, True])
    assert error.of(["a", "b", "c"]) == ["a", "c"]
    assert "1 of 3 sends not acknowledged" in str(error)

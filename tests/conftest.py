"""Shared fixtures: the real Kafka broker started by the Makefile, and throwaway topics."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from rebook.runtime.config import DEFAULT_KAFKA_BOOTSTRAP, parse_duration
from rebook.runtime.topics import TopicSpec

# The suite runs in development mode (the Makefile sets it too): in-process servers and the
# tools accept the published development key, and tests mint tokens from it.
os.environ.setdefault("REBOOK_ENV", "development")


@pytest.fixture(scope="session", autouse=True)
def shifted_wall_clock() -> Iterator[None]:
    """With ``REBOOK_TEST_CLOCK_SHIFT`` (e.g. ``365d``) the whole run sees the wall clock moved by
    that much, ticking on from there: ``make test-clock-ahead`` uses it to prove that no test
    depends on the date it runs on (fixtures on fixed dates must not meet ``datetime.now``)."""
    shift = os.environ.get("REBOOK_TEST_CLOCK_SHIFT")
    if not shift:
        yield
        return
    import time_machine

    with time_machine.travel(datetime.now(UTC) + parse_duration(shift), tick=True):
        yield


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """Bootstrap of the running broker; fails (never skips) when there is none."""
    from rebook.runtime.kafka_admin import KafkaSetupError, wait_for_broker

    bootstrap = os.environ.get("REBOOK_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    try:
        wait_for_broker(bootstrap, 20)
    except KafkaSetupError as exc:
        pytest.fail(f"no Kafka at {bootstrap} ({exc}); run the tests through `make test` or `make kafka-up`")
    return bootstrap


@pytest.fixture
def make_topic(kafka_bootstrap: str) -> Callable[..., TopicSpec]:
    """Creates a uniquely named topic for one test (same shape as a declared topic)."""
    from rebook.runtime.kafka_admin import ensure_topics

    def create(prefix: str = "test", partitions: int = 1, compacted: bool = False) -> TopicSpec:
        spec = TopicSpec(f"{prefix}.{uuid.uuid4().hex[:10]}", partitions, compacted, 3_600_000, "test", "test")
        ensure_topics(kafka_bootstrap, (spec,))
        return spec

    return create

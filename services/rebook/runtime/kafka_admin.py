"""Topic creation on a running cluster: what a deployment runs once (``rebook topics``) and
what the development tools reuse for their local broker.

Production code: it only talks to the cluster at the address it is given and starts nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from rebook.runtime.kafka import broker_answers
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.topics import ALL_TOPICS, TopicSpec

Progress = Callable[[float, float], None]  # (seconds waited, seconds allowed)
# Says why waiting longer is pointless (the broker process being waited for exited), or None.
GaveUp = Callable[[], str | None]

# How often a waiting start-up says that it is still waiting.
PROGRESS_EVERY_S = 10.0


class KafkaSetupError(RuntimeError):
    """The broker could not be reached, or (the local one) resolved or started."""


def wait_for_broker(
    bootstrap: str, timeout_s: float, progress: Progress | None = None, *, gave_up: GaveUp | None = None
) -> None:
    """Blocks until a metadata request to ``bootstrap`` succeeds (a TCP probe first, so that a
    port nobody listens on costs no client bootstrap); ``progress(elapsed_s, timeout_s)`` is
    called every ``PROGRESS_EVERY_S`` meanwhile, ``gave_up()`` every round."""
    started = time.monotonic()
    deadline, said = started + timeout_s, started
    last_error: Exception | str | None = None
    while time.monotonic() < deadline:
        if progress is not None and time.monotonic() - said >= PROGRESS_EVERY_S:
            said = time.monotonic()
            progress(said - started, timeout_s)
        reason = gave_up() if gave_up is not None else None
        if reason is not None:
            raise KafkaSetupError(reason)
        answer = broker_answers(bootstrap, min(3.0, max(0.1, deadline - time.monotonic())))
        if answer is None:
            return
        last_error = answer
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    raise KafkaSetupError(f"Kafka at {bootstrap} not reachable after {timeout_s:g}s: {last_error}")


def ensure_topics(bootstrap: str, topics: tuple[TopicSpec, ...] = ALL_TOPICS, replication: int = 1) -> list[str]:
    """Creates the declared topics that do not exist yet; returns the names created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000, **kafka_security())
    try:
        existing = set(admin.list_topics())
        missing = {
            spec.name: {"num_partitions": spec.partitions, "replication_factor": replication, "configs": spec.configs()}
            for spec in topics
            if spec.name not in existing
        }
        if missing:
            # A concurrent creator may win the race; it used the same declaration.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing, timeout_ms=15000, wait_for_metadata=True)
        return sorted(missing)
    finally:
        admin.close()

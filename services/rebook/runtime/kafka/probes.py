"""Whether a Kafka cluster is there: a TCP probe, then a metadata request."""

from __future__ import annotations

import socket

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from rebook.runtime.kafka_security import kafka_security


def broker_listening(bootstrap: str, timeout_s: float = 1.0) -> bool:
    """True when some bootstrap address accepts a TCP connection.  A plain connect answers in
    about a second when nothing listens, where kafka-python's bootstrap blocks ~30 s."""
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def broker_answers(bootstrap: str, timeout_s: float = 3.0) -> str | None:
    """None when the cluster answers a metadata request, else why not (a TCP probe first)."""
    if not broker_listening(bootstrap, min(1.0, timeout_s)):
        return "nothing listens there"
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
            **kafka_security(),
        )
        try:
            admin.describe_cluster()
        finally:
            admin.close()
    except (KafkaError, OSError) as exc:
        return str(exc) or type(exc).__name__
    return None

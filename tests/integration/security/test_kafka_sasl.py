"""Kafka security passthrough (issue 12.5): a second, throwaway local broker with a
SASL_PLAINTEXT (PLAIN) listener, started and stopped here (never the shared one).  The
services' Kafka side (``EventProducer``, ``read_to_end``, ``ensure_topics``) connects with the
``REBOOK_KAFKA_*`` credentials and is refused without them or with a wrong password."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.errors import KafkaError

from rebook.runtime.kafka import EventProducer, read_to_end
from rebook.runtime.kafka_admin import ensure_topics, wait_for_broker
from rebook.runtime.metrics import new_registry
from rebook.runtime.topics import TopicSpec
from rebook.v1 import offer_pb2
from tests.helpers.brokers import private_broker
from tests.helpers.net import free_port

pytestmark = pytest.mark.integration
USER, PASSWORD = "rebook-svc", "sasl-test-password-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory) -> Iterator[str]:
    users = ((USER, PASSWORD),)
    with private_broker(Path(tmp_path_factory.mktemp("sasl-kafka")), sasl_port=free_port(), sasl_users=users) as broker:
        assert broker.port != 19092
        yield f"127.0.0.1:{broker.sasl_port}"


def _topic(prefix: str) -> TopicSpec:
    return TopicSpec(f"{prefix}.{uuid.uuid4().hex[:10]}", 1, False, 3_600_000, "rebook.v1.Offer", "record locator")


def _sasl(monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    monkeypatch.setenv("REBOOK_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("REBOOK_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("REBOOK_KAFKA_SASL_USERNAME", USER)
    monkeypatch.setenv("REBOOK_KAFKA_SASL_PASSWORD", password)


def test_with_credentials_the_service_side_produces_and_reads(sasl_broker, monkeypatch) -> None:
    _sasl(monkeypatch, PASSWORD)
    topic = _topic("sasl-test")
    ensure_topics(sasl_broker, (topic,))
    producer = EventProducer(sasl_broker, new_registry(), client_id="rebook-sasl-test")
    try:
        producer.publish(topic, "ABC123", offer_pb2.Offer(offer_id="ABC123/x")).get(timeout=30)
    finally:
        producer.close()
    assert [r.key for r in read_to_end(sasl_broker, [topic])] == ["ABC123"]


@pytest.mark.parametrize("password", ["", "wrong-password"])
def test_without_credentials_it_is_refused(sasl_broker, monkeypatch, password: str) -> None:
    if password:
        _sasl(monkeypatch, password)
    with pytest.raises((KafkaError, OSError, RuntimeError)):
        wait_for_broker(sasl_broker, 8)
        ensure_topics(sasl_broker, (_topic("sasl-refused"),))

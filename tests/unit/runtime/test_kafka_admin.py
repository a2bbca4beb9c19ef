"""The broker probe answers fast when nothing listens, waiting reports progress, and a broker
process that died ends the wait at once."""

import socket
import time

import pytest

from rebook.runtime.kafka import broker_listening
from rebook.runtime.kafka_admin import KafkaSetupError, wait_for_broker
from tests.helpers.net import free_port


def test_probe_sees_a_listener_and_its_absence() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert broker_listening(f"127.0.0.1:{server.getsockname()[1]}")
    assert not broker_listening(f"127.0.0.1:{free_port()}")
    assert not broker_listening("not-a-bootstrap")


def test_waiting_on_a_silent_port_ends_within_its_budget() -> None:
    started = time.monotonic()
    with pytest.raises(KafkaSetupError, match="nothing listens there"):
        wait_for_broker(f"127.0.0.1:{free_port()}", 1.0)
    assert time.monotonic() - started < 3.0


def test_a_long_wait_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rebook.runtime.kafka_admin.PROGRESS_EVERY_S", 0.2)
    heard: list[tuple[float, float]] = []
    with pytest.raises(KafkaSetupError):
        wait_for_broker(f"127.0.0.1:{free_port()}", 1.0, progress=lambda waited, limit: heard.append((waited, limit)))
    assert heard and all(allowed == 1.0 and 0.2 <= waited <= 1.5 for waited, allowed in heard)


def test_a_broker_that_gave_up_ends_the_wait_with_its_reason() -> None:
    started = time.monotonic()
    with pytest.raises(KafkaSetupError, match="the broker exited"):
        wait_for_broker(f"127.0.0.1:{free_port()}", 30.0, gave_up=lambda: "the broker exited")
    assert time.monotonic() - started < 3.0

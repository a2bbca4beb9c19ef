"""The local broker: its settings, its data kept by ``down``, and a port that another broker holds."""

import socket
from pathlib import Path

import pytest

from rebook.runtime.kafka_admin import KafkaSetupError
from rebook.tooling.local_kafka import LocalKafka
from tests.helpers.net import free_port


def test_start_timeout_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REBOOK_RUN_DIR", str(tmp_path))
    assert LocalKafka.from_env().start_timeout_s == 300.0
    monkeypatch.setenv("REBOOK_KAFKA_START_TIMEOUT", "10m")
    assert LocalKafka.from_env().start_timeout_s == 600.0


def test_down_keeps_the_data_and_only_wipe_deletes_it(tmp_path: Path) -> None:
    local = LocalKafka(
        root=tmp_path, run_dir=tmp_path / "kafka", port=free_port(), controller_port=free_port(), heap="64m"
    )
    (local.data_dir / "rebook.bookings.v1-0").mkdir(parents=True)
    (local.data_dir / "meta.properties").write_text("cluster.id=x\n")
    assert local.down() is False  # nothing running: nothing stopped, nothing deleted
    assert (local.data_dir / "rebook.bookings.v1-0").exists()
    assert local.wipe() is True and not local.data_dir.exists()
    assert local.wipe() is False


def test_a_port_taken_by_another_listener_is_used_not_doubled(tmp_path: Path) -> None:
    """Another checkout's broker on the port: ``up`` starts no second broker (which could only
    fail to bind) and waits on what listens there, here a silent socket, so it times out."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        local = LocalKafka(
            root=tmp_path,
            run_dir=tmp_path / "kafka",
            port=server.getsockname()[1],
            controller_port=free_port(),
            heap="64m",
        )
        waited: list[float] = []
        with pytest.raises(KafkaSetupError, match="not reachable"):
            local.up(timeout_s=1.0, progress=lambda seconds, _: waited.append(seconds))
        assert not local.pid_file.exists() and not local.libs.exists()  # nothing resolved or started

"""Starts the four services as separate local processes (the demo, end-to-end tests and the
end-to-end benchmark all use this), each with its own free ports and a log file, and stops
them with SIGTERM — leaving nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.runtime.grpc_client import open_channel
from rebook.tooling.net import free_port

if TYPE_CHECKING:
    from rebook.runtime.topics import TopicSpec

SERVICES: dict[str, str] = {
    "detector": "rebook.v1.FlightStatusService",
    "locator": "rebook.v1.PassengerLocationService",
    "optimizer": "rebook.v1.RebookingService",
    "notifier": "rebook.v1.NotificationService",
}


def isolated_topics(kafka_bootstrap: str, prefix: str) -> dict[str, str]:
    """Creates every declared topic under ``prefix`` and returns the settings that make service
    processes use them (and consumer groups of their own): a shared broker's other users never
    meet this run."""
    from rebook.runtime.kafka_admin import ensure_topics
    from rebook.runtime.topics import ALL_TOPICS

    ensure_topics(kafka_bootstrap, tuple(replace(spec, name=prefix + spec.name) for spec in ALL_TOPICS))
    return {"REBOOK_TOPIC_PREFIX": prefix, "REBOOK_CONSUMER_GROUP_PREFIX": prefix.rstrip(".")}


@dataclass
class Namespace:
    """Every declared topic under a unique prefix (``REBOOK_TOPIC_PREFIX`` for the processes,
    consumer groups of its own): what the fault suite and ``rebook bench cancellations
    --service`` run in on a shared broker.  ``ns[FLIGHTS]`` is this namespace's flights topic."""

    prefix: str
    topics: dict[str, TopicSpec]
    settings: dict[str, str]

    @classmethod
    def create(cls, bootstrap: str, label: str = "fault") -> Namespace:
        from rebook.runtime.topics import ALL_TOPICS

        prefix = f"{label}{uuid.uuid4().hex[:8]}."
        settings = isolated_topics(bootstrap, prefix)
        return cls(prefix, {spec.name: replace(spec, name=prefix + spec.name) for spec in ALL_TOPICS}, settings)

    def __getitem__(self, spec: TopicSpec) -> TopicSpec:
        return self.topics[spec.name]

    def env(self) -> dict[str, str]:
        return {**self.settings, "REBOOK_ENV": "development"}

    def group(self, service: str) -> str:
        """The consumer group a service process started with ``env()`` joins."""
        return f"{self.settings['REBOOK_CONSUMER_GROUP_PREFIX']}.{service}"

    def delete(self, bootstrap: str) -> None:
        """Deletes the namespace's topics and consumer groups (best effort: the broker may be away)."""
        from kafka.admin import KafkaAdminClient

        with suppress(Exception):
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
            try:
                groups = [g["group_id"] for g in admin.list_groups() if g["group_id"].startswith(self.prefix)]
                if groups:
                    with suppress(Exception):
                        admin.delete_groups(groups)
                existing = set(admin.list_topics())
                admin.delete_topics([spec.name for spec in self.topics.values() if spec.name in existing])
            finally:
                admin.close()


@dataclass
class ServiceProcess:
    name: str  # unique in the cluster: "optimizer", or "optimizer-2" for a second instance
    grpc_port: int
    metrics_port: int
    log_path: Path
    process: subprocess.Popen | None = None
    kind: str = ""  # which service it runs (the name when empty)
    env: dict[str, str] = field(default_factory=dict)  # this instance's own settings

    @property
    def service(self) -> str:
        return self.kind or self.name

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"


@dataclass
class LocalCluster:
    """The four services on loopback against one Kafka; use as a context manager."""

    kafka_bootstrap: str
    run_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    fixed_ports: bool = False  # True: the documented default ports (demo); False: free ports (tests)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    only: tuple[str, ...] = tuple(SERVICES)  # which services to start

    def start(self, timeout_s: float = 60.0) -> LocalCluster:
        from rebook.runtime.config import DEFAULT_PORTS

        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in self.only:
            grpc_port, metrics_port = DEFAULT_PORTS[name] if self.fixed_ports else (free_port(), free_port())
            self.services[name] = ServiceProcess(name, grpc_port, metrics_port, self.run_dir / f"{name}.log")
        try:
            for service in self.services.values():
                self._spawn(service)
            self.wait_serving(timeout_s)
        except BaseException:
            self.stop()  # never leave half a cluster running
            raise
        return self

    def _spawn(self, service: ServiceProcess) -> None:
        upper = service.service.upper()
        env = {
            **os.environ,
            **self.env,
            **service.env,
            "REBOOK_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            f"REBOOK_{upper}_GRPC_PORT": str(service.grpc_port),
            f"REBOOK_{upper}_METRICS_PORT": str(service.metrics_port),
        }
        log = service.log_path.open("ab")
        service.process = subprocess.Popen(
            [sys.executable, "-m", "rebook.cli", service.service],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def add(
        self, name: str, kind: str, env: dict[str, str] | None = None, wait: bool = True, timeout_s: float = 60.0
    ) -> ServiceProcess:
        """Starts one more instance (e.g. a second optimizer, to make its group rebalance)."""
        service = ServiceProcess(name, free_port(), free_port(), self.run_dir / f"{name}.log", kind=kind, env=env or {})
        self.services[name] = service
        self._spawn(service)
        if wait:
            self.wait_serving(timeout_s, [name])
        return service

    def kill(self, name: str) -> int:
        """SIGKILL, as a crash would: no shutdown hooks, no last commit."""
        process = self.services[name].process
        assert process is not None
        process.kill()
        return process.wait()

    def restart(self, name: str, env: dict[str, str] | None = None, timeout_s: float = 60.0) -> None:
        """Starts the (stopped or killed) instance again on its ports, with ``env`` as its own settings."""
        service = self.services[name]
        if service.process is not None and service.process.poll() is None:
            raise RuntimeError(f"{name} is still running")
        service.env = env or {}
        self._spawn(service)
        self.wait_serving(timeout_s, [name])

    def wait_serving(self, timeout_s: float, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout_s
        for service in (self.services[n] for n in names or list(self.services)):
            with open_channel(service.address) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                while True:
                    if service.process is not None and service.process.poll() is not None:
                        tail = service.log_path.read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"{service.name} exited during start-up:\n{tail}")
                    try:
                        request = health_pb2.HealthCheckRequest(service=SERVICES[service.service])
                        if health.Check(request, timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                            break
                    except grpc.RpcError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{service.name} not SERVING after {timeout_s}s (log: {service.log_path})")
                    time.sleep(0.2)

    def address(self, name: str) -> str:
        return self.services[name].address

    def stop(self, timeout_s: float = 20.0) -> dict[str, int | None]:
        """SIGTERM to all, wait, SIGKILL stragglers; returns exit codes."""
        for service in self.services.values():
            if service.process is not None and service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        deadline = time.monotonic() + timeout_s
        for service in self.services.values():
            if service.process is None:
                continue
            try:
                codes[service.name] = service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                codes[service.name] = service.process.wait()
        return codes

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

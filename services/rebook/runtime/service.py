"""Runs one service process: config → logging → metrics → wiring → gRPC → wait → clean stop.

A service's ``main`` supplies only ``wire(context) -> Wiring``: its servicers, its consumer
loops and what to close.  Shutdown order on SIGTERM/SIGINT: health NOT_SERVING, open streams ended
(``before_stop``), a graceful gRPC stop (in-flight calls finish), then consumers stop (committing what they processed),
then closers (flush producers), then the metrics endpoint.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from rebook.runtime.auth import load_keyring
from rebook.runtime.config import ConfigError, RuntimeConfig, load_runtime_config
from rebook.runtime.grpc_server import ServiceBinding, ServiceServer, build_server
from rebook.runtime.kafka import ConsumerLoop, EventProducer
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.logs import configure_logging
from rebook.runtime.metrics import new_registry, serve_metrics, stop_metrics
from rebook.runtime.tls import load_tls

log = logging.getLogger(__name__)

# After SIGTERM: the grace for in-flight calls, then this long for consumers to commit and
# producers to flush.  Whatever still hangs then (a client stream that never ends, a broker that
# is away) must not keep the process alive: the orchestrator would SIGKILL it anyway.
SHUTDOWN_MARGIN_S = 10.0


def _exit_at_the_latest(seconds: float) -> None:
    def force() -> None:
        log.error("shutdown took longer than the grace period and its margin; exiting now",
                  extra={"seconds": seconds})  # fmt: skip
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


@dataclass
class ServiceContext:
    """What wiring code gets: settings, the metrics registry, and a shared producer."""

    config: RuntimeConfig
    registry: CollectorRegistry
    _producer: EventProducer | None = None

    def producer(self) -> EventProducer:
        """The process's one Kafka producer, created on first use."""
        if self._producer is None:
            self._producer = EventProducer(
                self.config.kafka_bootstrap, self.registry, client_id=f"rebook-{self.config.service}"
            )
        return self._producer


@dataclass
class Wiring:
    """A service's parts, as the runtime needs to start and stop them."""

    bindings: Sequence[ServiceBinding]
    consumers: Sequence[ConsumerLoop] = ()
    closers: Sequence[Callable[[], None]] = field(default_factory=list)
    on_started: Callable[[ServiceServer], None] | None = None
    # Run after health turns NOT_SERVING and before the graceful stop: end open streams so
    # clients see a clean end instead of waiting out the grace period.
    before_stop: Sequence[Callable[[], None]] = field(default_factory=list)


def run_service(service: str, wire: Callable[[ServiceContext], Wiring]) -> int:
    """Runs until SIGTERM/SIGINT; returns the process exit code."""
    try:
        config = load_runtime_config(service)
        # Credentials and TLS first: a service with a default secret never starts.
        keyring, tls = load_keyring(), load_tls()
        kafka_security()  # a bad REBOOK_KAFKA_SASL_* setting stops the start here
    except ConfigError as exc:
        logging.basicConfig()
        logging.getLogger(service).error("bad configuration: %s", exc)
        return 2
    configure_logging(service, config.log_level)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    registry = new_registry()
    try:
        metrics_server, metrics_port = serve_metrics(registry, config.metrics_port, config.grpc_host)
    except OSError as exc:
        log.error(
            "cannot serve /metrics on port %s (%s): set REBOOK_%s_METRICS_PORT to a free port",
            config.metrics_port, exc, service.upper(),
        )  # fmt: skip
        return 1
    context = ServiceContext(config, registry)
    try:
        wiring = wire(context)
    except ConfigError as exc:
        log.error("bad configuration: %s", exc)
        stop_metrics(metrics_server)
        return 2
    try:
        server = build_server(
            config.grpc_address, wiring.bindings, registry, config.grpc_max_workers, keyring=keyring, tls=tls
        )
    except OSError as exc:
        log.error("%s: set REBOOK_%s_GRPC_PORT to a free port", exc, service.upper())
        for close in wiring.closers:
            close()
        stop_metrics(metrics_server)
        return 1
    for consumer in wiring.consumers:
        consumer.start()
    server.start()
    if wiring.on_started:
        wiring.on_started(server)
    log.info(
        "service started",
        extra={"grpc_port": server.port, "metrics_port": metrics_port, "kafka": config.kafka_bootstrap},
    )
    stop.wait()
    log.info("stopping")
    _exit_at_the_latest(config.shutdown_grace.total_seconds() + SHUTDOWN_MARGIN_S)
    server.health.enter_graceful_shutdown()
    for end_streams in wiring.before_stop:
        end_streams()
    server.stop(config.shutdown_grace.total_seconds())
    for consumer in wiring.consumers:
        consumer.stop()
    for close in wiring.closers:
        close()
    if context._producer is not None:
        context._producer.flush()
        context._producer.close()
    stop_metrics(metrics_server)
    log.info("stopped")
    return 0

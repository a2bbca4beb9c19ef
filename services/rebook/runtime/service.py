"""Runs one service process: config → logging → metrics → wiring → gRPC → wait → clean stop.

A service's ``main`` supplies only ``wire(context) -> Wiring``: its servicers, its consumer
loops and what to close.  Health is NOT_SERVING while Kafka does not acknowledge the process's
writes (``PublishGate``) and turns SERVING again by itself.  Shutdown order on SIGTERM/SIGINT:
health NOT_SERVING, open streams ended (``before_stop``), a graceful gRPC stop (in-flight calls
finish), then consumers stop (committing what they processed), then closers (flush producers),
then the metrics endpoint.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from rebook.runtime.auth import load_keyring
from rebook.runtime.config import ConfigError, RuntimeConfig, load_runtime_config
from rebook.runtime.grpc_server import ServiceBinding, ServiceServer, build_server
from rebook.runtime.kafka import ConsumerLoop, EventProducer, broker_answers
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


# While Kafka does not acknowledge writes: how often to ask whether the broker answers again.
BROKER_PROBE_INTERVAL_S = 2.0


class PublishGate:
    """NOT_SERVING while Kafka does not acknowledge this process's writes, so an orchestrator or
    load balancer sends traffic elsewhere; SERVING again by itself on the next acknowledged
    write, or once the broker answers a metadata request (a service that only writes on
    request would otherwise never see an acknowledgement while nobody routes requests to it)."""

    def __init__(self, server: ServiceServer, producer: EventProducer, bootstrap: str) -> None:
        self._server = server
        self._producer = producer
        self._bootstrap = bootstrap
        self._probing = threading.Lock()
        producer.delivery.subscribe(self._changed)

    def _changed(self, deliveries_ok: bool) -> None:
        if deliveries_ok:
            self._server.release("kafka-unacknowledged")
            return
        self._server.hold("kafka-unacknowledged")
        if self._probing.acquire(blocking=False):  # on the producer's I/O thread: probe elsewhere
            threading.Thread(target=self._probe, name="broker-probe", daemon=True).start()

    def _probe(self) -> None:
        try:
            while not self._producer.delivery.ok:
                time.sleep(BROKER_PROBE_INTERVAL_S)
                if broker_answers(self._bootstrap) is None:
                    log.info("the Kafka broker answers again")
                    self._producer.delivery.record(True)
        finally:
            self._probing.release()


def _broker_answered(config: RuntimeConfig) -> bool:
    """Waits up to ``REBOOK_KAFKA_WAIT`` for the broker (quietly: a TCP probe, then one metadata
    request), so that a service started before Kafka, or without it, says so in one line
    instead of a page of client retries and a traceback."""
    deadline = time.monotonic() + config.kafka_wait.total_seconds()
    reason, said = broker_answers(config.kafka_bootstrap), False
    while reason is not None and time.monotonic() < deadline:
        if not said:
            log.info("waiting for Kafka", extra={"kafka": config.kafka_bootstrap, "reason": reason})
            said = True
        time.sleep(min(BROKER_PROBE_INTERVAL_S, max(0.0, deadline - time.monotonic())))
        reason = broker_answers(config.kafka_bootstrap)
    if reason is None:
        return True
    log.error(
        "Kafka at %s did not answer within %ss (%s): start it (rebook kafka up), or point "
        "REBOOK_KAFKA_BOOTSTRAP at your cluster; REBOOK_KAFKA_WAIT sets how long to wait",
        config.kafka_bootstrap, f"{config.kafka_wait.total_seconds():g}", reason,
    )  # fmt: skip
    return False


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

    if not _broker_answered(config):
        return 1
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
    if context._producer is not None:
        PublishGate(server, context._producer, config.kafka_bootstrap)
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

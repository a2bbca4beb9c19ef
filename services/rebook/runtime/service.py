"""Runs one service: config → logging → metrics → ``build`` → gRPC → wait → clean stop.

Every service has one composition root, ``build(config, deps) -> Service`` (in its ``app.py``):
its servicers, its consumer loops, how it becomes ready, what to end and what to close.  Its
``main`` loads the config and calls ``run_service``; its integration tests call the same
``build`` and run it with ``serving`` on a free port.

Readiness is one signal: health is NOT_SERVING while anything *holds* it (``Readiness``) — the
runtime's own ``starting`` until ``Service.start`` returned, a state the service is rebuilding,
a broker that does not acknowledge the process's writes (``PublishGate``) — and SERVING when
nothing does.  Lifecycles are an ``ExitStack``: whatever was opened is closed, in reverse, when
the service stops *or* when a later step of its start fails.  Shutdown order: health
NOT_SERVING, open streams ended (``before_stop``), a graceful gRPC stop (in-flight calls
finish), consumers stop (committing what they processed), closers, the producer flushed, the
metrics endpoint.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry

from rebook.runtime.auth import Keyring, load_keyring
from rebook.runtime.config import ConfigError, RuntimeConfig, load_runtime_config
from rebook.runtime.grpc_server import ServiceBinding, ServiceServer, build_server
from rebook.runtime.kafka import EventProducer, broker_answers
from rebook.runtime.kafka.loop import ProcessingLoop
from rebook.runtime.kafka_security import kafka_security
from rebook.runtime.logs import configure_logging
from rebook.runtime.metrics import new_registry, serve_metrics, stop_metrics
from rebook.runtime.tls import TlsSettings, load_tls

log = logging.getLogger(__name__)

# After SIGTERM: the grace for in-flight calls, then this long for consumers to commit and
# producers to flush.  Whatever still hangs then (a client stream that never ends, a broker that
# is away) must not keep the process alive: the orchestrator would SIGKILL it anyway.
SHUTDOWN_MARGIN_S = 10.0


def _exit_at_the_latest(seconds: float) -> None:
    def force() -> None:
        log.error("shutdown took longer than the grace period and its margin; exiting now", extra={"seconds": seconds})
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
        config.kafka_bootstrap,
        f"{config.kafka_wait.total_seconds():g}",
        reason,
    )
    return False


class Readiness(Protocol):
    """The one readiness signal: NOT_SERVING while any named reason holds (``ServiceServer``)."""

    def hold(self, reason: str) -> None: ...
    def release(self, reason: str) -> None: ...


STARTING = "starting"  # held from before the server listens until ``Service.start`` returned
CATCHING_UP = "catching-up"  # held while a service's views read what their topics held at start-up


def hold_until(readiness: Readiness, reason: str, ready: threading.Event) -> None:
    """NOT_SERVING for ``reason`` until ``ready`` is set (views restored at start-up): an
    instance whose views are still empty must not take traffic."""
    if ready.is_set():
        return
    readiness.hold(reason)

    def release() -> None:
        ready.wait()
        readiness.release(reason)

    threading.Thread(target=release, name=f"readiness-{reason}", daemon=True).start()


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServiceDeps:
    """What every service's ``build`` takes from outside: the broker, the process's producer and
    metrics registry, its consumer group and clock (tests give throwaway ones)."""

    bootstrap: str
    producer: EventProducer
    registry: CollectorRegistry
    group_id: str = ""
    clock: Callable[[], datetime] = utc_now
    grpc_max_workers: int = 16


@dataclass
class Service:
    """A service's parts, as ``build(config, deps)`` returns them, built but not started.

    ``start(readiness)`` runs once the server listens (held ``starting``): start background
    work, and hold a reason of its own for as long as the service must not serve yet.
    ``before_stop`` ends open streams so clients see a clean end instead of waiting out the grace
    period; ``closers`` run after the consumers stopped.
    """

    bindings: Sequence[ServiceBinding]
    consumers: Sequence[ProcessingLoop] = ()  # group consumers and views
    start: Callable[[Readiness], None] | None = None
    before_stop: Sequence[Callable[[], None]] = field(default_factory=list)
    closers: Sequence[Callable[[], None]] = field(default_factory=list)


@dataclass
class ServiceContext:
    """What ``main`` gets to build its service: settings, the metrics registry, a shared producer.

    The producer is the process's only one: ``run_service`` watches it (``PublishGate``) and
    flushes and closes it at the end, so a service never creates a producer of its own; one
    that tunes its producer (the detector batches its writes) passes the options here."""

    config: RuntimeConfig
    registry: CollectorRegistry
    _producer: EventProducer | None = None
    _options: dict[str, Any] = field(default_factory=dict)

    def producer(self, **options: Any) -> EventProducer:
        """The process's one Kafka producer, created on first use with ``options``
        (``EventProducer`` keyword arguments); asking again with other options is a mistake."""
        if self._producer is None:
            self._producer = EventProducer(
                self.config.kafka_bootstrap, self.registry, client_id=f"rebook-{self.config.service}", **options
            )
            self._options = options
        elif options and options != self._options:
            raise RuntimeError(f"the process's producer exists with {self._options}, not {options}")
        return self._producer

    @property
    def created_producer(self) -> EventProducer | None:
        """The producer, if the service asked for it: what ``run_service`` gates and closes."""
        return self._producer

    def deps(self, **producer_options: Any) -> ServiceDeps:
        config = self.config
        producer = self.producer(**producer_options)
        return ServiceDeps(
            config.kafka_bootstrap, producer, self.registry, config.group_id(), utc_now, config.grpc_max_workers
        )

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()


def _each(calls: Sequence[Callable[[], None]]) -> Callable[[], None]:
    def run() -> None:
        for call in calls:
            call()

    return run


@contextmanager
def serving(
    service: Service,
    address: str,
    registry: CollectorRegistry,
    max_workers: int = 16,
    *,
    keyring: Keyring | None = None,
    tls: TlsSettings | None = None,
    grace_s: float = 5.0,
) -> Iterator[ServiceServer]:
    """Serves ``service`` on ``address`` (``host:0``: a free port) until the block ends; a start
    that fails half-way closes what it had opened.  Yields the started server."""
    with ExitStack() as stack:
        stack.callback(_each(service.closers))
        server = build_server(address, service.bindings, registry, max_workers, keyring=keyring, tls=tls)
        stack.callback(_each([consumer.stop for consumer in service.consumers]))
        for consumer in service.consumers:
            consumer.start()
        server.hold(STARTING)  # before it listens: never SERVING before the service is ready
        server.start()
        stack.callback(server.stop, grace_s)
        stack.callback(_each([server.health.enter_graceful_shutdown, *service.before_stop]))
        if service.start is not None:
            service.start(server)
        server.release(STARTING)
        yield server


def run_service(service: str, build: Callable[[ServiceContext], Service]) -> int:
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
    with ExitStack() as stack:
        registry = new_registry()
        try:
            metrics_server, metrics_port = serve_metrics(registry, config.metrics_port, config.grpc_host)
        except OSError as exc:
            log.error(
                "cannot serve /metrics on port %s (%s): set REBOOK_%s_METRICS_PORT to a free port",
                config.metrics_port,
                exc,
                service.upper(),
            )
            return 1
        stack.callback(stop_metrics, metrics_server)
        context = ServiceContext(config, registry)
        stack.callback(context.close)
        try:
            parts = build(context)
        except ConfigError as exc:
            log.error("bad configuration: %s", exc)
            return 2
        try:
            server = stack.enter_context(
                serving(parts, config.grpc_address, registry, config.grpc_max_workers, keyring=keyring, tls=tls,
                        grace_s=config.shutdown_grace.total_seconds())
            )  # fmt: skip
        except OSError as exc:
            log.error("%s: set REBOOK_%s_GRPC_PORT to a free port", exc, service.upper())
            return 1
        if context.created_producer is not None:
            PublishGate(server, context.created_producer, config.kafka_bootstrap)
        log.info(
            "service started",
            extra={"grpc_port": server.port, "metrics_port": metrics_port, "kafka": config.kafka_bootstrap},
        )
        stop.wait()
        log.info("stopping")
        _exit_at_the_latest(config.shutdown_grace.total_seconds() + SHUTDOWN_MARGIN_S)
    log.info("stopped")
    return 0

"""gRPC server bootstrap shared by every service.

``build_server`` gives a server with the standard health service (per-service status),
reflection, and one interceptor that (a) refuses out-of-range timestamps and unknown enum values in any
request with INVALID_ARGUMENT (``limits.check_values``), (b) records ``grpc_server_handled_total`` /
``grpc_server_handling_seconds`` with the usual ``grpc_service``/``grpc_method``/``grpc_code``
labels, (b) authenticates the caller and checks the method's declared ``AccessRule`` before the
servicer sees the request (UNAUTHENTICATED / PERMISSION_DENIED, no lookup, no validation), and
(c) turns domain errors raised by servicers into canonical statuses with ``google.rpc`` details.
Every binding declares a rule for each of its methods, or the server refuses to build.
``stop`` flips health to NOT_SERVING before a graceful stop so load balancers drain it first.
TLS (and client certificates) from ``REBOOK_GRPC_TLS_*``, see ``rebook.runtime.tls``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import CollectorRegistry, Counter, Histogram

from rebook.domain.access import PUBLIC, AccessRule, Principal, check
from rebook.domain.errors import DomainError, PermissionDeniedError
from rebook.runtime.auth import Keyring, acting_as, load_keyring
from rebook.runtime.grpc_errors import internal_status, status_for
from rebook.runtime.limits import check_values
from rebook.runtime.tls import TlsSettings, load_tls, server_credentials

_Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"  # generic only in the stubs
_Behavior = Callable[[Any, grpc.ServicerContext], Any]  # a servicer method
_Admit = Callable[[], Principal | None]

log = logging.getLogger(__name__)

# gRPC handling latency: 0.5 ms .. 1 min (bulk loads can take seconds).
HANDLING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True, slots=True)
class ServiceBinding:
    """A servicer and how to add it: ``add(servicer, server)`` from the generated ``*_pb2_grpc``."""

    descriptor: ServiceDescriptor
    servicer: Any
    add: Callable[[Any, grpc.Server], None]
    access: Mapping[str, AccessRule]
    # Methods whose servicer checks values item by item (a batch answering per item): the
    # interceptor's whole-request check would fail the batch for one bad item.
    checks_own_items: frozenset[str] = frozenset()

    @property
    def full_name(self) -> str:
        return self.descriptor.full_name

    def undeclared(self) -> list[str]:
        """Methods of the service without an access rule."""
        return [method.name for method in self.descriptor.methods if method.name not in self.access]


# Services anybody may call: health probes and reflection carry no data.
PUBLIC_SERVICES = (health.SERVICE_NAME, reflection.SERVICE_NAME, "grpc.reflection.v1.ServerReflection")


class AccessGate:
    """Authenticates a call and checks its method's rule; the result becomes ``caller()``."""

    def __init__(self, keyring: Keyring, bindings: Sequence[ServiceBinding], clock: Callable[[], datetime]) -> None:
        self._keyring = keyring
        self._clock = clock
        self._rules = {
            f"/{binding.full_name}/{name}": rule for binding in bindings for name, rule in binding.access.items()
        }

    def admit(self, path: str, metadata: Sequence[tuple[str, str | bytes]] | None) -> Principal | None:
        service = path.lstrip("/").rpartition("/")[0]
        rule = PUBLIC if service in PUBLIC_SERVICES else self._rules.get(path)
        if rule is None:
            raise PermissionDeniedError("no access rule is declared for this method")
        authorization = next((value for key, value in metadata or () if key.lower() == "authorization"), None)
        if isinstance(authorization, bytes):
            authorization = authorization.decode(errors="replace")
        principal = self._keyring.authenticate(authorization, self._clock())
        check(rule, principal)
        return principal


class GrpcMetrics:
    """The conventional go-grpc-prometheus series, declared on an injectable registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.started = Counter(
            "grpc_server_started_total",
            "RPCs started on the server.",
            ["grpc_type", "grpc_service", "grpc_method"],
            registry=registry,
        )
        self.handled = Counter(
            "grpc_server_handled_total",
            "RPCs completed on the server, regardless of success or failure.",
            ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
            registry=registry,
        )
        self.seconds = Histogram(
            "grpc_server_handling_seconds",
            "Time to handle an RPC until the last response was sent.",
            ["grpc_type", "grpc_service", "grpc_method"],
            buckets=HANDLING_BUCKETS,
            registry=registry,
        )

    def initialise(self, descriptor: ServiceDescriptor) -> None:
        """Creates the label sets of every method so dashboards see zeros, not gaps."""
        for method in descriptor.methods:
            kind = _rpc_type(method.client_streaming, method.server_streaming)
            self.started.labels(kind, descriptor.full_name, method.name)
            self.seconds.labels(kind, descriptor.full_name, method.name)
            for code in (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL):
                self.handled.labels(kind, descriptor.full_name, method.name, code.name)


def _rpc_type(client_streaming: bool, server_streaming: bool) -> str:
    if client_streaming and server_streaming:
        return "bidi_stream"
    if client_streaming:
        return "client_stream"
    if server_streaming:
        return "server_stream"
    return "unary"


class _Outcome:
    """Tracks the status code of one call while the handler runs."""

    __slots__ = ("code",)

    def __init__(self) -> None:
        self.code = grpc.StatusCode.OK


def _abort_for(error: Exception, context: grpc.ServicerContext, outcome: _Outcome, method: str) -> None:
    if isinstance(error, DomainError):
        status = status_for(error)
    else:
        log.error("unhandled error in %s", method, exc_info=error)
        status = internal_status()
    outcome.code = status.code
    context.abort_with_status(status)


class ServerInterceptor(grpc.ServerInterceptor):
    """Metrics, access control and domain-error mapping around every handler."""

    def __init__(self, metrics: GrpcMetrics, gate: AccessGate, unchecked: frozenset[str] = frozenset()) -> None:
        self._metrics = metrics
        self._gate = gate
        self._unchecked = unchecked  # "/package.Service/Method" paths

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], _Handler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> _Handler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        service, _, method = handler_call_details.method.lstrip("/").rpartition("/")
        kind = _rpc_type(handler.request_streaming, handler.response_streaming)
        wrap = self._wrap_stream if handler.response_streaming else self._wrap_unary
        behavior_name, factory = _handler_parts(handler)
        behavior = getattr(handler, behavior_name)
        if not handler.request_streaming and handler_call_details.method not in self._unchecked:
            behavior = _checking_values(behavior)
        # The access check runs first (in ``wrap``): no validation or lookup for a stranger.
        admit = self._admission(handler_call_details)
        wrapped = wrap(behavior, kind, service, method, admit)
        return factory(wrapped, handler.request_deserializer, handler.response_serializer)

    def _admission(self, details: grpc.HandlerCallDetails) -> Callable[[], Principal | None]:
        return lambda: self._gate.admit(details.method, details.invocation_metadata)

    def _finish(
        self, kind: str, service: str, method: str, outcome: _Outcome, context: grpc.ServicerContext, start: float
    ) -> None:
        code = outcome.code
        if code == grpc.StatusCode.OK:
            set_code = getattr(context, "code", lambda: None)()
            code = set_code if isinstance(set_code, grpc.StatusCode) else code
        self._metrics.handled.labels(kind, service, method, code.name).inc()
        self._metrics.seconds.labels(kind, service, method).observe(time.perf_counter() - start)

    def _wrap_unary(self, behavior: _Behavior, kind: str, service: str, method: str, admit: _Admit) -> _Behavior:
        def handle(request: Any, context: Any) -> Any:  # grpc's context; its stub lacks code()
            self._metrics.started.labels(kind, service, method).inc()
            start, outcome = time.perf_counter(), _Outcome()
            try:
                with acting_as(admit()):
                    return behavior(request, context)
            except Exception as error:
                if _is_abort(error, context):
                    outcome.code = context.code() or grpc.StatusCode.UNKNOWN
                    raise
                _abort_for(error, context, outcome, method)
            finally:
                self._finish(kind, service, method, outcome, context, start)

        return handle

    def _wrap_stream(
        self, behavior: _Behavior, kind: str, service: str, method: str, admit: _Admit
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def handle(request: Any, context: Any) -> Iterator[Any]:  # as in _wrap_unary
            self._metrics.started.labels(kind, service, method).inc()
            start, outcome = time.perf_counter(), _Outcome()
            try:
                with acting_as(admit()):
                    yield from behavior(request, context)
            except Exception as error:
                if _is_abort(error, context):
                    outcome.code = context.code() or grpc.StatusCode.UNKNOWN
                    raise
                _abort_for(error, context, outcome, method)
            finally:
                self._finish(kind, service, method, outcome, context, start)

        return handle


def _checking_values(behavior: _Behavior) -> _Behavior:
    def checked(request: Message, context: grpc.ServicerContext) -> Any:
        check_values(request)
        return behavior(request, context)

    return checked


def _is_abort(error: Exception, context: grpc.ServicerContext) -> bool:
    """True when the servicer already aborted (grpc raises a bare Exception after abort)."""
    code = getattr(context, "code", lambda: None)()
    return type(error) is Exception and isinstance(code, grpc.StatusCode) and code != grpc.StatusCode.OK


def _handler_parts(handler: _Handler) -> tuple[str, Callable[..., _Handler]]:
    if handler.request_streaming and handler.response_streaming:
        return "stream_stream", grpc.stream_stream_rpc_method_handler
    if handler.request_streaming:
        return "stream_unary", grpc.stream_unary_rpc_method_handler
    if handler.response_streaming:
        return "unary_stream", grpc.unary_stream_rpc_method_handler
    return "unary_unary", grpc.unary_unary_rpc_method_handler


class ServiceServer:
    """A started-or-not gRPC server with its health servicer.

    Health is SERVING once started while nothing *holds* it: a hold is a named reason not to
    serve (a state still being rebuilt, a broker that does not acknowledge), released when it
    no longer applies, so independent reasons never overwrite each other's status.
    """

    def __init__(self, server: grpc.Server, port: int, health_servicer: health.HealthServicer, names: Sequence[str]):
        self.server = server
        self.port = port
        self.health = health_servicer
        self._names = tuple(names)
        self._lock = threading.Lock()
        self._holds: set[str] = set()
        self._started = False

    def start(self) -> None:
        self.server.start()
        with self._lock:
            self._started = True
            self._apply()

    def hold(self, reason: str) -> None:
        """NOT_SERVING until ``release(reason)`` (and every other hold) is called."""
        with self._lock:
            self._holds.add(reason)
            self._apply()

    def release(self, reason: str) -> None:
        with self._lock:
            self._holds.discard(reason)
            self._apply()

    @property
    def holds(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._holds)

    def _apply(self) -> None:
        # Caller holds the lock.
        serving = self._started and not self._holds
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", *self._names):
            self.health.set(name, status)

    def stop(self, grace_seconds: float = 5.0) -> None:
        """NOT_SERVING first, so probes fail and traffic drains, then a graceful stop."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_seconds).wait()


def _unchecked_methods(bindings: Sequence[ServiceBinding]) -> frozenset[str]:
    return frozenset(f"/{b.full_name}/{method}" for b in bindings for method in b.checks_own_items)


def build_server(
    address: str,
    bindings: Sequence[ServiceBinding],
    registry: CollectorRegistry,
    max_workers: int = 16,
    options: Sequence[tuple[str, Any]] = (),
    keyring: Keyring | None = None,
    tls: TlsSettings | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ServiceServer:
    """Creates (not starts) a server on ``address``; ``host:0`` binds a free port.  The keyring
    and TLS settings default to the ``REBOOK_AUTH_*`` / ``REBOOK_GRPC_TLS_*`` configuration."""
    for binding in bindings:
        if binding.undeclared():
            raise ValueError(f"{binding.full_name}: no access rule for {', '.join(binding.undeclared())}")
    metrics = GrpcMetrics(registry)
    gate = AccessGate(keyring or load_keyring(), bindings, clock)
    tls = load_tls() if tls is None else tls
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[ServerInterceptor(metrics, gate, _unchecked_methods(bindings))],
        # so_reuseport off: a second server on a busy port must fail, not share it silently.
        options=[("grpc.max_receive_message_length", 64 * 1024 * 1024), ("grpc.so_reuseport", 0), *options],
    )
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for binding in bindings:
        binding.add(binding.servicer, server)
        metrics.initialise(binding.descriptor)
        health_servicer.set(binding.full_name, health_pb2.HealthCheckResponse.NOT_SERVING)
    names = [binding.full_name for binding in bindings]
    reflection.enable_server_reflection((*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    try:
        if tls.serves_tls:
            port = server.add_secure_port(address, server_credentials(tls))
        else:
            port = server.add_insecure_port(address)
    except RuntimeError:
        port = 0
    if port == 0:
        raise OSError(f"could not bind the gRPC server to {address}: the port is in use or the address is wrong")
    return ServiceServer(server, port, health_servicer, names)

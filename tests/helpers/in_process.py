"""Calls a servicer in-process, without a server or a broker, through the runtime's own
interceptor (access rules, value checks, domain-error → status mapping).

``InProcess(bindings).call(path, request, token)`` answers like a real call: the response, or a
``Failed`` carrying the code, message and trailing metadata a client would see, so
``rebook.runtime.grpc_errors.field_violations`` reads it as it reads a real ``RpcError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import grpc

from rebook.runtime.auth import load_keyring
from rebook.runtime.grpc_server import AccessGate, GrpcMetrics, ServerInterceptor, ServiceBinding
from rebook.runtime.metrics import new_registry
from tests.helpers.auth import client_token


class Failed(grpc.RpcError):
    """What a client would have got instead of a response."""

    def __init__(self, code: grpc.StatusCode, message: str, trailing: Sequence[tuple[str, Any]] = ()) -> None:
        super().__init__(f"{code.name}: {message}")
        self._code, self._message, self._trailing = code, message, tuple(trailing)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._message

    def trailing_metadata(self) -> tuple[tuple[str, Any], ...]:
        return self._trailing


class _Context:
    """The part of ``grpc.ServicerContext`` the servicers and the interceptor use."""

    def __init__(self, metadata: Sequence[tuple[str, str]]) -> None:
        self._metadata = tuple(metadata)
        self._code: grpc.StatusCode | None = None
        self._details = ""
        self._trailing: tuple[tuple[str, Any], ...] = ()

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details
        raise Exception()  # what grpc raises: the interceptor tells an abort by it

    def abort_with_status(self, status: grpc.Status) -> None:
        self._trailing = tuple(status.trailing_metadata)
        self.abort(status.code, status.details)

    def failed(self) -> Failed:
        assert self._code is not None
        return Failed(self._code, self._details, self._trailing)

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, Any]]) -> None:
        self._trailing = tuple(metadata)

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def is_active(self) -> bool:
        return True

    def add_callback(self, callback: Callable[[], None]) -> bool:
        return True

    def time_remaining(self) -> float:
        return 30.0


class _Details(NamedTuple):
    method: str
    invocation_metadata: tuple[tuple[str, str], ...]


class _Collector:
    """Stands in for a ``grpc.Server`` while a binding registers its handlers."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers) -> None:
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self.handlers.update({f"/{service}/{name}": handler for name, handler in handlers.items()})


class InProcess:
    def __init__(self, bindings: Sequence[ServiceBinding], clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        collector = _Collector()
        for binding in bindings:
            binding.add(binding.servicer, collector)
        self._handlers = collector.handlers
        unchecked = frozenset(f"/{b.full_name}/{m}" for b in bindings for m in b.checks_own_items)
        gate = AccessGate(load_keyring(), bindings, clock)
        self._interceptor = ServerInterceptor(GrpcMetrics(new_registry()), gate, unchecked)

    def call(self, path: str, request: Any, token: str | None = None) -> Any:
        """A call: a client-streaming one takes the list of its messages as ``request``, a
        server-streaming one returns the list of its messages."""
        token = client_token() if token is None else token
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        handler = self._interceptor.intercept_service(lambda d: self._handlers.get(d.method), _Details(path, metadata))
        if handler is None:
            raise KeyError(path)
        context = _Context(metadata)
        streaming_in, streaming_out = handler.request_streaming, handler.response_streaming
        behavior = {
            (False, False): handler.unary_unary,
            (False, True): handler.unary_stream,
            (True, False): handler.stream_unary,
            (True, True): handler.stream_stream,
        }[(streaming_in, streaming_out)]
        try:
            answer = behavior(iter(request) if streaming_in else request, context)
            return list(answer) if streaming_out else answer
        except Exception:
            if context.code() is None:
                raise
            raise context.failed() from None

"""One way to open a channel to a rebook service: TLS when configured, a bearer credential on
every call, a deadline on every call, and retries on ``UNAVAILABLE`` with exponential backoff.

Retries use gRPC's own retry policy (the channel's service config) rather than a hand-written
loop: the library resends the same request message, so the request's idempotency key (event id,
record locator + version, response id) makes a retried write change nothing the second time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

SERVICES = (
    "rebook.v1.FlightStatusService",
    "rebook.v1.PassengerLocationService",
    "rebook.v1.RebookingService",
    "rebook.v1.NotificationService",
)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files: the CA that signed the server, and for mutual TLS the client's certificate."""

    root_ca: Path
    client_cert: Path | None = None
    client_key: Path | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        def read(path: Path | None) -> bytes | None:
            return path.read_bytes() if path else None

        return grpc.ssl_channel_credentials(read(self.root_ca), read(self.client_key), read(self.client_cert))


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Where a service is and how to call it."""

    target: str
    token: str | None = None  # an airline client credential or a passenger token, sent as Bearer
    tls: TlsFiles | None = None
    deadline_s: float = 10.0  # per call; streams take theirs from the caller
    max_attempts: int = 5  # first try included; only UNAVAILABLE is retried
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0

    @classmethod
    def from_env(cls, target: str, environ: dict[str, str] | None = None) -> ClientOptions:
        """``REBOOK_CLIENT_TOKEN`` and ``REBOOK_CLIENT_TLS_{CA,CERT,KEY}`` (paths)."""
        env = os.environ if environ is None else environ

        def path(name: str) -> Path | None:
            value = env.get(name)
            return Path(value) if value else None

        ca = path("REBOOK_CLIENT_TLS_CA")
        tls = TlsFiles(ca, path("REBOOK_CLIENT_TLS_CERT"), path("REBOOK_CLIENT_TLS_KEY")) if ca else None
        return cls(target=target, token=env.get("REBOOK_CLIENT_TOKEN") or None, tls=tls)


def retry_service_config(options: ClientOptions) -> str:
    """The channel's service config: retry UNAVAILABLE on every rebook service (no retry policy
    with ``max_attempts`` 1: gRPC accepts only 2 to 5)."""
    names = [{"service": s} for s in SERVICES]
    if options.max_attempts < 2:
        return json.dumps({"methodConfig": [{"name": names}]})
    policy = {
        "maxAttempts": max(1, min(options.max_attempts, 5)),  # gRPC caps attempts at 5
        "initialBackoff": f"{options.initial_backoff_s}s",
        "maxBackoff": f"{options.max_backoff_s}s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    return json.dumps({"methodConfig": [{"name": names, "retryPolicy": policy}]})


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor, grpc.StreamUnaryClientInterceptor):
    """Adds ``authorization: Bearer <token>`` to every call (works with and without TLS)."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details: Any) -> Any:
        metadata = [*(details.metadata or ()), self._header]
        return _CallDetails(details.method, details.timeout, metadata, details.credentials, details.wait_for_ready)

    def intercept_unary_unary(self, continuation: Callable, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation: Callable, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation: Callable, details: Any, requests: Any) -> Any:
        return continuation(self._with_token(details), requests)


@dataclass(frozen=True, slots=True)
class _CallDetails(grpc.ClientCallDetails):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None


def open_channel(options: ClientOptions) -> grpc.Channel:
    """A channel to ``options.target`` with retries, TLS and the bearer credential applied."""
    reconnect_ms = int(options.initial_backoff_s * 1000)
    channel_options = [
        ("grpc.service_config", retry_service_config(options)),
        ("grpc.enable_retries", 1),
        # Reconnect as quickly as the retries back off, so a retry can find a server back up.
        ("grpc.initial_reconnect_backoff_ms", reconnect_ms),
        ("grpc.min_reconnect_backoff_ms", reconnect_ms),
        ("grpc.max_reconnect_backoff_ms", int(options.max_backoff_s * 1000)),
    ]
    if options.tls is not None:
        channel = grpc.secure_channel(options.target, options.tls.credentials(), options=channel_options)
    else:
        channel = grpc.insecure_channel(options.target, options=channel_options)
    return grpc.intercept_channel(channel, _Bearer(options.token)) if options.token else channel

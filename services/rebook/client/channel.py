"""A channel to a rebook service: the project's one channel (``rebook.runtime.grpc_client``: a
bearer credential on every call, TLS when configured) with retries on ``UNAVAILABLE`` and
exponential backoff; the clients put a deadline on every call.

Retries use gRPC's own retry policy (the channel's service config) rather than a hand-written
loop: the library resends the same request message, so the request's idempotency key (event id,
record locator + version, response id) makes a retried write change nothing the second time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

import grpc

from rebook.runtime.grpc_client import open_channel as runtime_channel
from rebook.runtime.tls import TlsSettings, load_tls

SERVICES = (
    "rebook.v1.FlightStatusService",
    "rebook.v1.PassengerLocationService",
    "rebook.v1.RebookingService",
    "rebook.v1.NotificationService",
)


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Where a service is and how to call it."""

    target: str
    token: str | None = None  # an airline client credential or a passenger token, sent as Bearer
    tls: TlsSettings | None = None  # None: REBOOK_GRPC_TLS_* as every client in the project
    deadline_s: float = 10.0  # per call; streams take theirs from the caller
    max_attempts: int = 5  # first try included; only UNAVAILABLE is retried
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0

    @classmethod
    def from_env(cls, target: str, environ: Mapping[str, str] | None = None) -> ClientOptions:
        """``REBOOK_CLIENT_TOKEN``, and TLS from ``REBOOK_GRPC_TLS_{CA,CERT,KEY,SERVER_NAME}``."""
        env = os.environ if environ is None else environ
        return cls(target=target, token=env.get("REBOOK_CLIENT_TOKEN") or None, tls=load_tls(env))


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


def open_channel(options: ClientOptions) -> grpc.Channel:
    """The project's channel (bearer token, TLS) with retries and quick reconnects added."""
    reconnect_ms = int(options.initial_backoff_s * 1000)
    channel_options = [
        ("grpc.service_config", retry_service_config(options)),
        ("grpc.enable_retries", 1),
        # Reconnect as quickly as the retries back off, so a retry can find a server back up.
        ("grpc.initial_reconnect_backoff_ms", reconnect_ms),
        ("grpc.min_reconnect_backoff_ms", reconnect_ms),
        ("grpc.max_reconnect_backoff_ms", int(options.max_backoff_s * 1000)),
    ]
    return runtime_channel(options.target, options.token or "", options.tls, options=channel_options)

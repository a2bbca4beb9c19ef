"""The replay's calls to the services: one channel per service, a deadline on every call, retries
with backoff on UNAVAILABLE, and a service that stays away given up on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import grpc

from rebook.runtime.auth import tool_token
from rebook.runtime.grpc_client import open_channel

from .config import CHANNEL_OPTIONS, DEFAULT_ADDRESSES, ReplayConfig


class ReplayStopped(Exception):
    """``Replayer.stop()`` was called."""


class ServiceCalls:
    def __init__(self, config: ReplayConfig, stop: threading.Event, error: Callable[[str], None]) -> None:
        self._config = config
        self._stop = stop
        self._error = error
        self._channels: dict[str, grpc.Channel] = {}
        self._client_token = ""
        self.down: set[str] = set()  # services given up on: their later calls fail at once

    def channel(self, name: str) -> grpc.Channel | None:
        """The channel to ``name`` (a ``ReplayConfig`` address field); None when it is skipped."""
        address = getattr(self._config, name)
        if not address:
            return None
        if name not in self._channels:
            if not self._client_token:
                self._client_token = self._config.client_token or tool_token()
            self._channels[name] = open_channel(address, self._client_token, options=CHANNEL_OPTIONS)
        return self._channels[name]

    def call(
        self, service: str, what: str, method: Callable[..., Any], make_request: Callable[[], Any], **kwargs: Any
    ) -> Any:
        """One unary or client-streaming call with a deadline; retried with backoff on UNAVAILABLE.

        Returns ``None`` (and records the error) when it finally fails; a service still
        UNAVAILABLE after every retry is given up on (its later calls fail at once).
        """
        if service in self.down:
            return None
        delay = 0.2
        for attempt in range(self._config.retries + 1):
            if self._stop.is_set():
                raise ReplayStopped
            try:
                return method(make_request(), timeout=self._config.rpc_timeout_s, **kwargs)
            except grpc.RpcError as error:
                code = error.code()
                if code == grpc.StatusCode.UNAVAILABLE and attempt < self._config.retries:
                    self._stop.wait(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                self._error(f"{what}: {code.name if code else 'UNKNOWN'}: {error.details()}")
                if code == grpc.StatusCode.UNAVAILABLE:
                    self.down.add(service)
                    self._error(f"{service}: given up after {self._config.retries} retries")
                return None
        return None

    def connect(self) -> None:
        """Waits (in parallel) for every configured service to accept connections; one that
        does not within ``connect_timeout_s`` is given up on, so the rest can still be replayed."""
        waiting = {}
        for name in DEFAULT_ADDRESSES:
            channel = self.channel(name)
            if channel is not None:
                waiting[name] = grpc.channel_ready_future(channel)
        deadline = time.monotonic() + self._config.connect_timeout_s
        for name, ready in waiting.items():
            try:
                ready.result(timeout=max(0.0, deadline - time.monotonic()))
            except grpc.FutureTimeoutError:
                ready.cancel()
                self.down.add(name)
                self._error(f"{name}: not reachable at {getattr(self._config, name)}; skipped")

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

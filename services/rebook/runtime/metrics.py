"""Prometheus plumbing: the ``/metrics`` endpoint and an injectable registry.

Metrics are declared where they are used, each module taking a ``CollectorRegistry`` so that
tests get a fresh one; a process uses one registry for everything it serves.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar, cast
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server

T = TypeVar("T")

# Buckets for latencies of in-process work: 1 ms .. 1 min.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def new_registry() -> CollectorRegistry:
    """A fresh registry (tests, and one per service process)."""
    return CollectorRegistry(auto_describe=True)


def serve_metrics(registry: CollectorRegistry, port: int, host: str = "127.0.0.1") -> tuple[WSGIServer, int]:
    """Serves ``/metrics`` for ``registry`` on a daemon thread; port 0 picks a free port."""
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server, server.server_address[1]


def stop_metrics(server: WSGIServer) -> None:
    server.shutdown()
    server.server_close()


_METRICS: weakref.WeakKeyDictionary[CollectorRegistry, dict[object, object]] = weakref.WeakKeyDictionary()
_METRICS_LOCK = threading.Lock()


def per_registry(kind: Callable[[CollectorRegistry], T], registry: CollectorRegistry) -> T:
    """One instance of a metrics holder per registry: several producers or loops in one
    process (e.g. a view loop beside a consumer loop) share the same series."""
    with _METRICS_LOCK:
        holders = _METRICS.setdefault(registry, {})
        if kind not in holders:
            holders[kind] = kind(registry)
        return cast(T, holders[kind])  # the holder made by ``kind`` above

"""Small helpers for tests that start real servers on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable

from rebook.tooling.net import free_port

__all__ = ["free_port", "wait_until"]


def wait_until(predicate: Callable[[], bool], timeout_s: float = 20.0, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()

"""A service whose views are still restoring reports NOT_SERVING (``hold_until``)."""

from __future__ import annotations

import threading

from rebook.runtime.service import CATCHING_UP, hold_until
from tests.helpers.net import wait_until


class _Holds:
    def __init__(self) -> None:
        self.held: set[str] = set()
        self.released: list[str] = []

    def hold(self, reason: str) -> None:
        self.held.add(reason)

    def release(self, reason: str) -> None:
        self.held.discard(reason)
        self.released.append(reason)


def test_the_reason_is_held_until_the_views_have_caught_up() -> None:
    readiness, caught_up = _Holds(), threading.Event()
    hold_until(readiness, CATCHING_UP, caught_up)
    assert readiness.held == {CATCHING_UP}
    caught_up.set()
    assert wait_until(lambda: not readiness.held, timeout_s=5)
    assert readiness.released == [CATCHING_UP]


def test_views_already_caught_up_hold_nothing() -> None:
    readiness, caught_up = _Holds(), threading.Event()
    caught_up.set()
    hold_until(readiness, CATCHING_UP, caught_up)
    assert readiness.held == set() and readiness.released == []

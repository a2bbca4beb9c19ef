"""Background upkeep of the tracker: flag stale proximities, drop pings past retention.

Runs on its own daemon thread every ``interval`` and publishes what the tracker returns:
proximities newly marked stale, and a tombstone per passenger whose ping expired.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.publisher import ProximityPublisher

log = logging.getLogger(__name__)


class Maintenance:
    def __init__(
        self,
        tracker: ProximityTracker,
        publisher: ProximityPublisher,
        clock: Callable[[], datetime],
        interval: timedelta = timedelta(minutes=1),
    ) -> None:
        self._tracker = tracker
        self._publisher = publisher
        self._clock = clock
        self._interval_s = interval.total_seconds()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> tuple[int, int]:
        """One pass; returns (stale proximities published, tombstones published)."""
        now = self._clock()
        stale = self._publisher.publish(self._tracker.mark_stale(now), "stale")
        expired = self._publisher.tombstone(self._tracker.expire(now), "expired")
        return stale, expired

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="locator-maintenance", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                stale, expired = self.run_once()
            except Exception:
                log.exception("locator maintenance pass failed")
                continue
            if stale or expired:
                log.info("locator maintenance", extra={"stale_published": stale, "expired": expired})

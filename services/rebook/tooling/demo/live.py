"""The replay with its live panel: the replay runs on a thread while the panel shows its
progress and the services' ``/metrics``; its linger ends on quiescence (``DemoReplayer``)."""

from __future__ import annotations

import math
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from rebook.tooling.demo.broker import Quiescence
from rebook.tooling.demo.view import LiveState, LiveView
from rebook.tooling.sim.replay.replayer import Replayer, ReplayStopped


class DemoReplayer(Replayer):
    """``Replayer`` whose linger ends on quiescence instead of a fixed idle time."""

    settle: Callable[[float], bool] | None = None

    def idle_s(self) -> float:
        with self._lock:
            return time.monotonic() - self._last_notification

    def _linger(self) -> None:
        if self.settle is None:
            return super()._linger()
        self._update(phase="linger")
        with self._lock:
            self._last_notification = max(self._last_notification, time.monotonic())
        hard_stop = time.monotonic() + self.config.max_linger_s
        while time.monotonic() < hard_stop:
            if self._stop.wait(1.0):
                raise ReplayStopped
            if self.settle(self.idle_s()):
                return
        self._error(f"offers/notifications still arriving after {self.config.max_linger_s:.0f}s; summary is partial")


def scrape(url: str, timeout_s: float = 2.0) -> dict[str, float]:
    """Prometheus text → {sample name: value summed over labels}; {} when unreachable."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            text = reply.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not math.isnan(sample.value):
                out[sample.name] = out.get(sample.name, 0.0) + sample.value
    return out


def replay_live(
    replayer: DemoReplayer,
    quiet: Quiescence,
    endpoints: dict[str, str],
    state: LiveState,
    view: LiveView,
    read_back: Callable[[LiveState], None],
) -> dict:
    """Runs the replay, redrawing ``view`` until it ends; then ``read_back`` fills the last panel.
    Returns the replay's report; its failure is raised here, in the caller's thread."""
    result: dict[str, Any] = {}
    failure: list[BaseException] = []

    def work() -> None:
        try:
            result.update(replayer.run())
        except BaseException as exc:  # surfaced in the main thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="replay", daemon=True)
    thread.start()
    try:
        _follow(thread, replayer, quiet, endpoints, state, view)
    except KeyboardInterrupt:
        view.message("interrupted: stopping the replay ...")
        replayer.stop()
        thread.join(15)
        raise
    scrape_into(state, endpoints)
    state.note = ""
    if not failure:
        state.phase = "reading the offers topic"
        view.update(state)
        read_back(state)
        state.phase = "done"
    view.finish(state)
    if failure:
        raise failure[0]
    return result


def _follow(
    thread: threading.Thread,
    replayer: DemoReplayer,
    quiet: Quiescence,
    endpoints: dict[str, str],
    state: LiveState,
    view: LiveView,
) -> None:
    last_scrape = 0.0
    while thread.is_alive():
        thread.join(0.25)
        progress = replayer.progress
        state.phase = progress.phase
        state.legs = (progress.legs_loaded, progress.legs_total)
        state.bookings = (progress.bookings_loaded, progress.bookings_total)
        state.events = (progress.events_sent, progress.events_total)
        state.pings = (progress.pings_sent, progress.pings_total)
        state.devices = progress.devices_subscribed
        state.notifications_received = progress.notifications_received
        if time.monotonic() - last_scrape >= 1.0:
            last_scrape = time.monotonic()
            scrape_into(state, endpoints)
        if progress.phase == "linger":
            lag = quiet.lag
            state.note = (
                f"settling: optimizer lag {_lag_text(lag['optimizer'])}, notifier lag "
                f"{_lag_text(lag['notifier'])}, last notification {replayer.idle_s():.0f}s ago"
            )
        elif progress.errors:
            state.note = f"last error: {progress.errors[-1][:100]}"
        view.update(state)


def scrape_into(state: LiveState, endpoints: dict[str, str]) -> None:
    detector = scrape(endpoints["detector"], 1.0)
    optimizer = scrape(endpoints["optimizer"], 1.0)
    notifier = scrape(endpoints["notifier"], 1.0)
    if detector:
        state.disruptions = int(detector.get("rebook_detector_disruptions_emitted_total", 0))
    if optimizer:
        state.bookings_affected = int(optimizer.get("rebook_optimizer_bookings_affected_total", 0))
        state.passengers_affected = int(optimizer.get("rebook_optimizer_passengers_affected_total", 0))
        state.offers = int(optimizer.get("rebook_optimizer_offers_total", 0))
    if notifier:
        state.notifications_made = int(notifier.get("rebook_notifications_created_total", 0))


def _lag_text(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"

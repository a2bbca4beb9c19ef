"""What ``rebook demo`` shows: the live progress panel and the summary table.

Plain ANSI: on a terminal the panel is redrawn in place (cursor up + clear line); when stdout
is not a TTY (CI, a pipe) it degrades to one log line every ``log_every_s`` and on each phase
change.  No dependencies beyond the standard library.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.live import Live  # the tooling extra, imported at run time only for a TTY panel


def fmt_int(value: float | int | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def fmt_minutes(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    total = round(minutes)
    hours, mins = divmod(abs(total), 60)
    sign = "-" if total < 0 else ""
    return f"{sign}{hours}h{mins:02d}m" if hours else f"{sign}{mins}m"


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


@dataclass
class LiveState:
    """Everything the panel shows; the demo fills it from the replay and the /metrics scrapes."""

    title: str = ""
    phase: str = "starting"
    note: str = ""
    legs: tuple[int, int] = (0, 0)
    bookings: tuple[int, int] = (0, 0)
    events: tuple[int, int] = (0, 0)
    pings: tuple[int, int] = (0, 0)
    devices: int = 0
    disruptions: int | None = None  # detector: disruption versions published
    bookings_affected: int | None = None  # optimizer counters
    passengers_affected: int | None = None
    offers: int | None = None
    notifications_made: int | None = None  # notifier: notifications created
    notifications_received: int = 0  # by this demo's devices and app-backend stream
    extra: dict[str, Any] = field(default_factory=dict)


class LiveView:
    """Redraws ``LiveState`` in place on a TTY (a rich ``Live`` panel), or logs it periodically
    otherwise (CI, pipes, ``--no-tty``)."""

    BAR = 28

    def __init__(self, out: TextIO | None = None, tty: bool | None = None, log_every_s: float = 10.0) -> None:
        self.out = out or sys.stdout
        self.tty = self.out.isatty() if tty is None else tty
        self.log_every_s = log_every_s
        self.started = time.monotonic()
        self._last_log = 0.0
        self._last_phase = ""
        self._live: Live | None = None
        if self.tty:
            from rich.console import Console  # the tooling extra; imported only for a TTY panel

            self._console = Console(file=self.out, force_terminal=True, highlight=False)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def message(self, text: str) -> None:
        """A line above the panel (the panel is redrawn below it)."""
        if self._live is not None:
            self._live.console.print(text, markup=False)
        else:
            print(text, file=self.out, flush=True)

    def _panel(self, s: LiveState):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        def bar(done: int, total: int) -> ProgressBar:
            return ProgressBar(total=max(total, 1), completed=min(done, max(total, 1)), width=self.BAR)

        def pct(done: int, total: int) -> str:
            return f"{100 * (0.0 if total <= 0 else min(1.0, done / total)):5.1f}%"

        made = s.notifications_made or 0
        grid = Table.grid(padding=(0, 2))
        # One line per row whatever the terminal's width: the last column is cut, never wrapped.
        grid.add_column(min_width=20, no_wrap=True)
        grid.add_column(min_width=self.BAR, no_wrap=True)
        grid.add_column(min_width=6, no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
        grid.title = f"{s.title}   {fmt_elapsed(self.elapsed())}   phase: {s.phase}"
        grid.title_justify = "left"
        for label, (done, total), text in (
            ("schedule", s.legs, f"{fmt_int(s.legs[0])}/{fmt_int(s.legs[1])} legs"),
            ("bookings", s.bookings, f"{fmt_int(s.bookings[0])}/{fmt_int(s.bookings[1])}"),
            (
                "flight events",
                s.events,
                f"{fmt_int(s.events[0])}/{fmt_int(s.events[1])} (+ pings {fmt_int(s.pings[0])}/{fmt_int(s.pings[1])})",
            ),
            (
                "notifications",
                (s.notifications_received, made),
                f"{fmt_int(s.notifications_received)}/{fmt_int(made)} delivered ({s.devices} streams)",
            ),
        ):
            grid.add_row(label, bar(done, total), pct(done, total), text)
        for label, value, text in (
            ("disruptions detected", s.disruptions, "detector, versions published"),
            ("passengers affected", s.passengers_affected, f"{fmt_int(s.bookings_affected)} bookings, optimizer"),
            ("offers made", s.offers, "optimizer, offer versions"),
        ):
            grid.add_row(label, f"{fmt_int(value):>9}", "", text)
        if s.note:
            grid.add_row(s.note, "", "", "")
        return grid

    def update(self, state: LiveState, force: bool = False) -> None:
        if self.tty:
            from rich.live import Live

            if self._live is None:
                self._live = Live(console=self._console, auto_refresh=False, transient=False)
                self._live.start()
            self._live.update(self._panel(state), refresh=True)
            return
        now = time.monotonic()
        if not force and state.phase == self._last_phase and now - self._last_log < self.log_every_s:
            return
        self._last_log, self._last_phase = now, state.phase
        print(
            f"[{fmt_elapsed(self.elapsed())}] {state.phase}: legs {state.legs[0]}/{state.legs[1]}"
            f" bookings {state.bookings[0]}/{state.bookings[1]} events {state.events[0]}/{state.events[1]}"
            f" pings {state.pings[0]}/{state.pings[1]} | disruptions {fmt_int(state.disruptions)}"
            f" affected {fmt_int(state.passengers_affected)} offers {fmt_int(state.offers)}"
            f" notifications {state.notifications_received}/{fmt_int(state.notifications_made)}"
            + (f" | {state.note}" if state.note else ""),
            file=self.out,
            flush=True,
        )

    def finish(self, state: LiveState) -> None:
        """Leaves the last panel on screen (TTY) or logs it once more."""
        self.update(state, force=True)
        if self._live is not None:
            self._live.stop()
            self._live = None


def render_summary(summary: dict[str, Any]) -> str:
    """The summary table as printed at the end of the demo."""
    s = summary
    rows = _outcome_rows(s)
    if s.get("offline"):
        rows += _offline_rows(s["offline"])
    rows += [(f"/metrics {name}", url) for name, url in s["metrics_endpoints"].items()]
    rows.append(("logs", s["logs"]))
    rows.append(("wall time", f"{s['wall_s']:.0f} s (replay {s['replay']['wall_s']:.0f} s)"))

    width = max(len(label) for label, _ in rows)
    title = (
        f"rebook demo — {s['scenario']['size']} storm day (seed {s['scenario']['seed']}, carrier {s['carrier']}): "
        "numbers from the offers topic and the notifications received"
    )
    line = "─" * min(110, max(len(title), width + 60))
    out = [line, title, line]
    out += [f"  {label:<{width}}  {value}" for label, value in rows]
    out.append(line)
    return "\n".join(out)


def _outcome_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    """What the services did: disruptions, who was offered what, notifications, the solver."""
    legs, aff, off, notes = s["legs"], s["affected"], s["offered"], s["notifications"]
    lat, solver = notes["latency_s"], s["solver"]
    kinds = ", ".join(f"{n} {k.lower()}" for k, n in legs["by_kind"].items()) or "none"
    reasons = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in aff.get("unaccommodated_by_reason", {}).items())
    return [
        ("legs disrupted", f"{fmt_int(legs['disrupted'])}  ({kinds}; {fmt_int(legs['predicted'])} predicted)"),
        ("disruptions (live / versions)", f"{fmt_int(legs['disruptions'])} / {fmt_int(legs['disruption_versions'])}"),
        ("bookings affected", fmt_int(aff["bookings"])),
        ("passengers affected", fmt_int(aff["passengers"])),
        (
            "offered a new itinerary",
            f"{fmt_int(off['passengers'])} passengers ({fmt_pct(off['passenger_share'])}), "
            f"{fmt_int(off['bookings'])} bookings ({fmt_pct(off['booking_share'])}), seats held"
            + (f"; {fmt_int(off['groups_split'])} groups split across flights" if off.get("groups_split") else ""),
        ),
        (
            "no seat found (waitlist / refund)",
            f"{fmt_int(aff['unaccommodated_passengers'])} passengers" + (f" ({reasons})" if reasons else ""),
        ),
        (
            "arrival same day / within 24 h",
            f"{fmt_pct(off['same_day_share'])} / {fmt_pct(off.get('within_24h_share'))} of rebooked passengers",
        ),
        (
            "arrival delay vs original",
            f"avg {fmt_minutes(off['delay_min_mean'])}, p50 {fmt_minutes(off['delay_min_p50'])}, "
            f"p95 {fmt_minutes(off['delay_min_p95'])}",
        ),
        (
            "notifications delivered",
            f"{fmt_int(notes['delivered'])} ({fmt_int(notes['device'])} on {fmt_int(notes['devices'])} passenger "
            f"devices, {fmt_int(notes['backend'])} on the app-backend stream)",
        ),
        (
            "affected passengers notified",
            f"{fmt_int(notes['passengers_notified'])}/{fmt_int(aff['passengers'])} ({fmt_pct(notes['coverage'])})",
        ),
        (
            "disruption → notification",
            f"p50 {fmt_seconds(lat.get('p50'))}, p95 {fmt_seconds(lat.get('p95'))}, "
            f"p99 {fmt_seconds(lat.get('p99'))}, max {fmt_seconds(lat.get('max'))} (n={fmt_int(lat.get('count'))})",
        ),
        (
            "solver (online)",
            f"{fmt_int(solver['solves'])} solves, {fmt_seconds(solver['seconds_total'])} total, "
            f"mean {fmt_seconds(solver['seconds_mean'])}, last gap {fmt_pct(solver['last_gap_ratio'], 2)}",
        ),
    ]


def _offline_rows(offline: dict[str, Any]) -> list[tuple[str, str]]:
    """``rebook solve`` optimal against greedy, and the online plan against the offline one."""
    opt, greedy, cmp = offline["optimal"], offline["greedy"], offline["online_vs_offline"]
    if opt.get("error") or greedy.get("error"):
        return [("offline comparison", opt.get("error") or greedy.get("error"))]
    rows = [
        (
            "offline optimal vs greedy",
            f"total cost {opt['total_cost']:,.0f} (gap {fmt_pct(opt['gap'], 2)}, {opt['solve_wall_s']:.1f} s) "
            f"vs greedy {greedy['total_cost']:,.0f} ({fmt_pct(offline['greedy_vs_optimal'], 2)} vs optimal)",
        )
    ]
    if "owed" in opt and "owed" in greedy:
        rows.append(("offline owed: optimal vs greedy", _owed_text(opt["owed"], greedy["owed"])))
    rows += [
        (
            "offline offered / delay",
            f"optimal {fmt_pct(opt['offered_passenger_share'])}, avg {fmt_minutes(opt['delay_min_mean'])}; "
            f"greedy {fmt_pct(greedy['offered_passenger_share'])}, avg {fmt_minutes(greedy['delay_min_mean'])}",
        ),
        (
            "online vs offline: bookings",
            f"online {fmt_int(cmp['online_bookings'])}, offline {fmt_int(cmp['offline_bookings'])}, "
            f"both {fmt_int(cmp['both'])} (overlap {fmt_pct(cmp['overlap_ratio'])})",
        ),
        (
            "online vs offline: total cost",
            f"{cmp['online_total_cost']:,.0f} vs {cmp['offline_total_cost']:,.0f} "
            f"({_signed_pct(cmp['cost_diff_ratio'])}; in money, the no-seat cost included)",
        ),
        (
            "online vs offline: quality",
            f"offered {fmt_pct(cmp['online_offered_share'])} vs {fmt_pct(cmp['offline_offered_share'])}; "
            f"avg delay {fmt_minutes(cmp['online_delay_min_mean'])} vs {fmt_minutes(cmp['offline_delay_min_mean'])}"
            f" ({_signed_pct(cmp['delay_diff_ratio'])}); passenger-delay hours "
            f"{cmp['online_delay_hours']:,.0f} vs {cmp['offline_delay_hours']:,.0f} "
            f"({_signed_pct(cmp['delay_hours_diff_ratio'])})",
        ),
    ]
    return rows


def _signed_pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f}%"


OWED_TERMS = (
    ("compensation", "compensation"),
    ("care", "care"),
    ("downgrade_refunds", "downgrade refunds"),
    ("refunds_no_seat", "refunds (no seat)"),
)


def _owed_text(optimal: dict[str, float], greedy: dict[str, float]) -> str:
    """What each plan owes its passengers, term by term (the part of its cost paid out)."""
    return "; ".join(
        f"{label} {optimal.get(key, 0.0):,.0f} vs {greedy.get(key, 0.0):,.0f}" for key, label in OWED_TERMS
    )

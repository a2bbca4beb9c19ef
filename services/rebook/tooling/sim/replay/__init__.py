"""``rebook replay SCENARIO_DIR``: stream a scenario through the services' public gRPC APIs.

Exactly what airline systems and app backends would do, in this order:

1. devices subscribe to the notifier (``NotificationService.Subscribe`` with a passenger token
   minted from ``REBOOK_AUTH_SECRET``) for passengers who opted in to contact, and optionally
   one app-backend stream for the whole airline (``--app-backend TOKEN``, a client token with
   ``notifications:subscribe``).  Every other call carries the tools' client token
   (``REBOOK_CLIENT_TOKEN``, or one minted from ``REBOOK_AUTH_SECRET``; see ``runtime.auth``);
2. the schedule (``LoadSchedule``) and the bookings (``UpsertBookings``), in chunks;
3. flight events (``ReportFlightEvents``) and location pings (``ReportPings`` client stream)
   merged in event-time order, at ``--speed`` times real time (``0``/``max``: at once);
4. a linger for the last notifications, then a JSON report: counts, notifications, and the
   ``disruption_known_time → received`` latency quantiles.

**Time.** The services run on the wall clock (disruption ``known_time``, what can still be
booked, ping freshness), so by default (``--shift auto``) every instant of the scenario is
moved by one constant: at a finite speed the replay's start maps to now; at ``max`` the last
event or ping maps to now (everything has just happened, later flights are still ahead).
Operating dates move by the same number of whole days and leg ids follow.  ``--shift none``
sends the file's times unchanged.  A ping is never sent with a time in the future: at speeds
above 1 its time is capped at the moment it is sent.

Every call has a deadline and is retried with backoff on UNAVAILABLE (a service still
starting or rebuilding its state answers that); all writes are idempotent, so a retry
changes nothing.  Use ``Replayer`` from code (the demo) for live progress via callbacks.

**Bad input.** A line that is not a message is skipped (``Scenario.read``) and reported with
its ``file:line``; the services refuse bad items one by one (``LoadSchedule``/``UpsertBookings``
``rejected``, ``ReportFlightEvents`` results) and the report counts them with the first reasons.
A second replay of the same folder changes nothing — every event id and booking version is
known — and the report says so (``changed_nothing``); ``--rename LETTER`` replays it as new.

**Threads.** The device streams share one asyncio loop (grpc.aio) on one thread, however many
devices there are.

Where each part is: ``replayer`` (``Replayer``, the run), ``calls`` (channels, deadlines,
retries), ``streams`` (the ``Subscribe`` streams), ``config`` (``ReplayConfig``,
``ReplayProgress``, ``NotificationRecord``), ``report``; this module is ``rebook replay``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rebook.domain.batch import SHOWN_REJECTIONS
from rebook.runtime.config import ConfigError
from rebook.tooling.args import devices, non_negative_float, positive_float, speed

from ..scenario import Scenario
from ..scenario_map import rename_scenario
from .calls import ReplayStopped
from .config import DEFAULT_ADDRESSES, NotificationRecord, ReplayConfig, ReplayProgress, quantiles
from .replayer import Replayer


def _shift(text: str) -> str | timedelta:
    if text in ("auto", "none"):
        return text
    try:
        return timedelta(hours=float(text))
    except ValueError:
        raise argparse.ArgumentTypeError("shift must be auto, none or hours (e.g. -24.5)") from None


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC instant, e.g. 2026-11-23T18:00:00Z")
    return value.astimezone(UTC)


def _address(text: str) -> str | None:
    return None if text.lower() in ("", "none", "off") else text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario folder (flights/bookings/events/pings .jsonl)")
    parser.add_argument("--speed", type=speed, default=0.0, help="times real time; 0 or max: as fast as possible")
    for name, address in DEFAULT_ADDRESSES.items():
        parser.add_argument(f"--{name}", type=_address, default=address, help=f"{name} address, or none to skip")
    parser.add_argument("--shift", type=_shift, default="auto", help="auto (default), none, or hours to add")
    parser.add_argument("--start", type=_instant, default=None, help="scenario instant where pacing starts")
    parser.add_argument(
        "--devices", type=devices, default=200, help="passenger devices to subscribe (-1: all opted in)"
    )
    parser.add_argument("--app-backend", default="", help="an app backend's client token: also follow the airline")
    parser.add_argument(
        "--linger", type=non_negative_float, default=10.0, help="seconds without a notification before ending"
    )
    parser.add_argument(
        "--max-linger", type=non_negative_float, default=120.0, help="longest wait for notifications, seconds"
    )
    parser.add_argument("--rpc-timeout", type=positive_float, default=10.0, help="deadline of each call, seconds")
    parser.add_argument(
        "--connect-timeout", type=positive_float, default=30.0, help="wait for services to be reachable"
    )
    parser.add_argument("--notifications-out", type=Path, default=None, help="write each notification (JSON Lines)")
    parser.add_argument(
        "--rename",
        metavar="LETTER",
        default=None,
        help="replay the folder as new data: add LETTER (A-Z) to every flight number, record locator and "
        "event id (a second replay of the same folder otherwise changes nothing)",
    )


def _read(folder: Path, rename: str | None) -> tuple[Scenario, list[str]]:
    """The readable part of the folder (and the unreadable lines), renamed if asked; ``ValueError``
    with one line to print when nothing can be replayed."""
    scenario, skipped = Scenario.read(folder)
    if not scenario.flights:
        first = f"; first unreadable line: {skipped[0]}" if skipped else ""
        raise ValueError(f"{folder}: no readable leg in flights.jsonl{first}")
    return (rename_scenario(scenario, rename) if rename else scenario), skipped


def outcome_lines(report: dict[str, Any]) -> list[str]:
    """What a person must know about a replay's input, one line each: lines skipped, items the
    services refused (count and the first reasons), or that it changed nothing."""
    lines = []
    skipped = report["skipped"]
    if skipped["count"]:
        lines.append(f"skipped {skipped['count']} unreadable line(s), not sent:")
        lines += [f"  {line}" for line in skipped["first"]]
    refused = {kind: report[kind]["rejected"] for kind in ("legs", "bookings", "events", "pings")}
    if any(refused.values()):
        counts = ", ".join(f"{n} {kind}" for kind, n in refused.items() if n)
        lines.append(f"the services refused {counts} (the rest was applied); first reasons:")
        lines += [f"  {reason}" for reason in report["rejections"][:SHOWN_REJECTIONS]]
    if report["devices_refused"]:
        first = next((e for e in report["errors"] if e.startswith("Subscribe")), "")
        lines.append(f"the notifier refused {report['devices_refused']} device stream(s), first: {first}")
    if report["changed_nothing"]:
        lines.append(
            "changed nothing: the services already knew every event and booking (this scenario was "
            "replayed before); replay it as new data with --rename A (or B, C, ...)"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        scenario, skipped = _read(args.scenario, args.rename)
    except (FileNotFoundError, ValueError) as exc:
        print(f"rebook replay: {exc}", file=sys.stderr)
        return 2
    config = ReplayConfig(
        detector=args.detector,
        optimizer=args.optimizer,
        locator=args.locator,
        notifier=args.notifier,
        speed=args.speed,
        shift=args.shift,
        start=args.start,
        devices=args.devices,
        app_backend=args.app_backend,
        rpc_timeout_s=args.rpc_timeout,
        connect_timeout_s=args.connect_timeout,
        linger_s=args.linger,
        max_linger_s=args.max_linger,
    )

    def show(progress: ReplayProgress) -> None:
        if sys.stderr.isatty():
            print(
                f"\r{progress.phase:9} legs {progress.legs_loaded}/{progress.legs_total}"
                f" bookings {progress.bookings_loaded}/{progress.bookings_total}"
                f" events {progress.events_sent}/{progress.events_total}"
                f" pings {progress.pings_sent}/{progress.pings_total}"
                f" notifications {progress.notifications_received}",
                end="",
                file=sys.stderr,
            )

    replayer = Replayer(scenario, config, on_progress=show, skipped=skipped)
    try:
        report = replayer.run()
    except ConfigError as exc:
        print(f"rebook replay: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        replayer.stop()
        report = replayer.report()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.notifications_out:
        with args.notifications_out.open("w", encoding="utf-8") as out:
            for record in replayer.notifications:
                out.write(json.dumps(record.to_json()) + "\n")
    print(json.dumps(report))  # stdout stays one JSON object; the person reads stderr
    for line in outcome_lines(report):
        print(f"rebook replay: {line}" if not line.startswith("  ") else line, file=sys.stderr)
    failed = report["legs"]["rejected"] or report["bookings"]["rejected"] or report["events"]["rejected"]
    return 1 if failed or report["skipped"]["count"] else 0


__all__ = [
    "NotificationRecord",
    "ReplayConfig",
    "ReplayProgress",
    "ReplayStopped",
    "Replayer",
    "add_arguments",
    "outcome_lines",
    "quantiles",
    "run",
]

"""``rebook bench cancellations``: the optimizer's engine holding an airline's views, hit by
many cancellations at once (issue 18: "a cancellation of 100 flights → all offers ≤ 30 s,
RSS ≤ 2 GB").

Reads a scenario folder (``rebook scenario generate --size airline``) into a
``RebookingEngine`` as the service holds it — every leg and booking in its views, the
service's own settings (``REBOOK_OPTIMIZER_*``) — then cancels ``--flights`` legs in one
batch, as one poll of ``rebook.disruptions.v1`` brings them: the earliest departures from
``--hub`` at least an hour after ``--at`` (default: the storm's announcement in
``scenario.json``).  Prints the time to load the views, the batch's time from disruptions to
offer values serialized for the topic, the offers and passengers, the plan's method and gap,
and RSS.  No Kafka: the consumer and producer around the engine add the poll and the send.

``--service`` measures the same batch through Kafka and the real optimizer process instead
(``cancellations_service``: publish, views restore, cancellations → last offer on the topic,
the process's RSS).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rebook.domain.errors import DomainError
from rebook.domain.model import Disruption, DisruptionKind, FlightLeg
from rebook.optimizer.convert import offer_to_proto
from rebook.optimizer.engine import RebookingEngine
from rebook.optimizer.main import load_settings
from rebook.runtime.config import DEFAULT_KAFKA_BOOTSTRAP, Env
from rebook.tooling.args import duration, positive_float, positive_int

# A cancellation known less than this before departure is not what an airline plans ahead.
_NOTICE = timedelta(hours=1)


def status_mb(field: str = "VmRSS", pid: int | str = "self") -> float:
    """A memory figure of ``/proc/PID/status`` in MB: ``VmRSS`` resident now, ``VmHWM`` its peak."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith(f"{field}:"))


def _rss_mb() -> float:
    return status_mb("VmRSS")


def _storm(folder: Path) -> tuple[str, datetime] | None:
    manifest = folder / "scenario.json"
    if not manifest.is_file():
        return None
    storm = json.loads(manifest.read_text(encoding="utf-8")).get("storm") or {}
    if "hub" not in storm or "announce_time" not in storm:
        return None
    return storm["hub"], datetime.fromisoformat(storm["announce_time"].replace("Z", "+00:00")).astimezone(UTC)


def cancellations(legs: list[FlightLeg], hub: str, at: datetime, flights: int) -> list[Disruption]:
    """The ``flights`` earliest departures from ``hub`` at least an hour after ``at``, cancelled
    at ``at`` (ties by leg id: the same scenario gives the same batch)."""
    chosen = sorted(
        (leg for leg in legs if leg.origin == hub and not leg.cancelled and leg.scheduled_departure >= at + _NOTICE),
        key=lambda leg: (leg.scheduled_departure, leg.leg_id),
    )[:flights]
    return [
        Disruption(f"CANCELLATION:{leg.leg_id}", 1, DisruptionKind.CANCELLATION, leg.carrier, (leg.leg_id,), at)
        for leg in chosen
    ]


def storm_or_given(folder: Path, hub: str | None, at: datetime | None) -> tuple[str, datetime]:
    """``--hub`` and ``--at``, or the storm's in ``scenario.json`` for those not given."""
    storm = _storm(folder)
    hub = hub or (storm[0] if storm else None)
    at = at or (storm[1] if storm else None)
    if hub is None or at is None:
        raise ValueError(f"{folder}/scenario.json names no storm: give --hub and --at")
    return hub, at


def run_benchmark(folder: Path, flights: int, hub: str | None, at: datetime | None) -> dict:
    from rebook.tooling.solve_cli import load_scenario

    hub, at = storm_or_given(folder, hub, at)
    started_rss = _rss_mb()
    started = time.perf_counter()
    legs, bookings, _ = load_scenario(folder)
    engine = RebookingEngine(load_settings(Env()))
    for leg in legs:
        engine.apply_flight(leg)
    for booking in bookings:
        engine.apply_booking(booking)
    del bookings  # the engine holds them now, as the service does
    views_s = time.perf_counter() - started
    views_rss = _rss_mb()
    batch = cancellations(legs, hub, at, flights)
    started = time.perf_counter()
    result = engine.handle(batch, at)
    values = [offer_to_proto(offer, engine.flights).SerializeToString() for offer in result.offers]
    batch_s = time.perf_counter() - started
    solution = result.plan.stats.solution if result.plan else None
    return {
        "scenario": str(folder),
        "legs": len(legs),
        "bookings": len(engine.bookings),
        "views_s": round(views_s, 3),
        "views_rss_mb": round(views_rss - started_rss, 1),
        "cancelled": len(batch),
        "hub": hub,
        "at": at.isoformat(),
        "batch_s": round(batch_s, 3),
        "offers": len(values),
        "offer_bytes": sum(len(v) for v in values),
        "passengers": result.new_passengers,
        "method": solution.method if solution else None,
        "gap": solution.gap if solution else None,
        "deadline_hit": solution.deadline_hit if solution else None,
        "rss_mb": round(_rss_mb(), 1),
        # VmHWM, read after VmRSS: the kernel's ru_maxrss lags and was seen 0.1 MB below it
        "peak_rss_mb": round(status_mb("VmHWM"), 1),
    }


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: give a UTC offset, e.g. 2026-11-23T18:30:00Z")
    return value.astimezone(UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", type=Path, required=True, help="scenario folder (rebook scenario generate)")
    parser.add_argument("--flights", type=positive_int, default=100, help="legs cancelled in the one batch")
    parser.add_argument("--hub", default=None, help="station they depart from (default: the storm's hub)")
    parser.add_argument("--at", type=_instant, default=None, help="when they are cancelled (default: the storm's)")
    parser.add_argument(
        "--service",
        action="store_true",
        help="through Kafka and the real optimizer process: the scenario shifted to now and published, "
        "views restored, the batch published, timed until its last offer is on the topic",
    )
    parser.add_argument(
        "--bootstrap",
        default=DEFAULT_KAFKA_BOOTSTRAP,
        help="--service: the broker (topics of its own under a unique prefix, deleted afterwards)",
    )
    parser.add_argument(
        "--lead",
        type=duration,
        default=timedelta(minutes=10),
        help="--service: how far ahead of the wall clock the (shifted) cancellation time lies when "
        "publishing starts; longer than publishing and restoring take, or the batch comes late (late_s)",
    )
    parser.add_argument(
        "--timeout", type=positive_float, default=900.0, help="--service: seconds each wait may take at most"
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.service:
            from rebook.tooling.bench.cancellations_service import run_service_benchmark

            hub, at = storm_or_given(args.scenario, args.hub, args.at)
            result = run_service_benchmark(
                args.scenario, args.flights, hub, at, args.bootstrap, args.lead, args.timeout
            )
        else:
            result = run_benchmark(args.scenario, args.flights, args.hub, args.at)
    except (OSError, ValueError, DomainError, TimeoutError, RuntimeError) as exc:
        print(f"rebook bench cancellations: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=None if getattr(args, "json", False) else 2))
    return 0

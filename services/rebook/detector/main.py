"""``rebook detector``: runs the FlightStatusService.

Settings (besides the common ``REBOOK_*`` runtime ones):

- ``REBOOK_DETECTOR_DELAY_THRESHOLD`` (default ``15m``): lateness that makes a delay disruption.
- ``REBOOK_DETECTOR_DELAY_THRESHOLD_BY_CARRIER`` e.g. ``RB=10m,XY=20m``: per-carrier overrides.
- ``REBOOK_DETECTOR_DEFAULT_MIN_TURN`` (default ``45m``): minimum turn of a leg without its own.
- ``REBOOK_DETECTOR_MIN_TURN_BY_AIRCRAFT_TYPE`` e.g. ``E195=35m,A321=50m``: per-type turn times.
- ``REBOOK_DETECTOR_ACK_TIMEOUT`` (default ``30s``): longest a write waits for Kafka's acks.
- ``REBOOK_DETECTOR_RESTORE_TIMEOUT`` (default ``120s``): longest the start-up rebuild may take.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import timedelta

from rebook.runtime.config import PREFIX, ConfigError, Env
from rebook.runtime.service import ServiceContext, Wiring, run_service

from .core import DetectorSettings
from .servicer import DetectorDeps, build_detector, serve_when_rebuilt


def _duration_map(env: Env, name: str) -> dict[str, timedelta]:
    """``KEY=DURATION,...`` (e.g. ``RB=10m,XY=20m``); a bad item names the variable."""
    out: dict[str, timedelta] = {}
    for item in env.list(name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{PREFIX}{name}: {item!r} is not KEY=DURATION")
        out[key.strip()] = Env({PREFIX + name: value}).duration(name, timedelta(0))
    return out


def load_settings(environ: Mapping[str, str] | None = None) -> DetectorSettings:
    """The core's settings from ``REBOOK_DETECTOR_*`` variables."""
    env = Env(environ)
    defaults = DetectorSettings()
    return DetectorSettings(
        delay_threshold_default=env.duration("DETECTOR_DELAY_THRESHOLD", defaults.delay_threshold_default),
        delay_threshold_by_carrier=_duration_map(env, "DETECTOR_DELAY_THRESHOLD_BY_CARRIER"),
        default_min_turn=env.duration("DETECTOR_DEFAULT_MIN_TURN", defaults.default_min_turn),
        min_turn_by_aircraft_type=_duration_map(env, "DETECTOR_MIN_TURN_BY_AIRCRAFT_TYPE"),
    )


def wire(context: ServiceContext) -> Wiring:
    env = Env()
    deps = DetectorDeps(
        bootstrap=context.config.kafka_bootstrap,
        producer=context.producer(),
        registry=context.registry,
        settings=load_settings(),
        ack_timeout_s=env.duration("DETECTOR_ACK_TIMEOUT", timedelta(seconds=30)).total_seconds(),
        restore_timeout_s=env.duration("DETECTOR_RESTORE_TIMEOUT", timedelta(seconds=120)).total_seconds(),
        max_workers=context.config.grpc_max_workers,
    )
    writer, binding = build_detector(deps)
    return Wiring(
        bindings=[binding],
        before_stop=[writer.close_watchers],
        on_started=lambda server: serve_when_rebuilt(server, writer, deps),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see README and rebook.detector.main."


def run(args: argparse.Namespace) -> int:
    return run_service("detector", wire)

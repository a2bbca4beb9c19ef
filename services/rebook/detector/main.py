"""``rebook detector``: runs the FlightStatusService.

Settings (besides the common ``REBOOK_*`` runtime ones):

- ``REBOOK_DETECTOR_DELAY_THRESHOLD`` (default ``15m``): lateness announced as a delay; a smaller
  retiming is still published as a DELAY flagged ``below_threshold`` (it may break connections).
- ``REBOOK_DETECTOR_DELAY_THRESHOLD_BY_CARRIER`` e.g. ``RB=10m,XY=20m``: per-carrier overrides.
- ``REBOOK_DETECTOR_DEFAULT_MIN_TURN`` (default ``45m``): minimum turn of a leg without its own.
- ``REBOOK_DETECTOR_MIN_TURN_BY_AIRCRAFT_TYPE`` e.g. ``E195=35m,A321=50m``: per-type turn times.
- ``REBOOK_DETECTOR_ACK_TIMEOUT`` (default ``30s``): longest a write waits for Kafka's acks.
- ``REBOOK_DETECTOR_RESTORE_TIMEOUT`` (default ``120s``): longest the start-up rebuild may take.
- ``REBOOK_DETECTOR_KAFKA_LINGER`` (default ``5ms``): how long the producer gathers a batch.
- ``REBOOK_DETECTOR_KAFKA_BATCH_BYTES`` (default ``65536``): largest produce batch per partition.
- ``REBOOK_DETECTOR_KAFKA_COMPRESSION`` (``auto``, ``none`` or ``gzip``; default ``auto``): ``auto``
  compresses with gzip only when kafka-python computes batch checksums (CRC-32C) in pure Python,
  where checksumming a third of the bytes costs more than compressing them.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from kafka.record import util as kafka_record_util

from rebook.runtime.config import Env
from rebook.runtime.service import Service, ServiceContext, ServiceDeps, run_service

__all__ = ["add_arguments", "build_from", "deps_from", "producer_settings", "run"]

from .app import build, load_config

# A write waits for its acks anyway, so a few ms of linger cost little latency and gather
# the messages of concurrent writes into fewer, larger produce batches (less CPU per message).
DEFAULT_KAFKA_LINGER = timedelta(milliseconds=5)
DEFAULT_KAFKA_BATCH_BYTES = 65536


def producer_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``EventProducer`` keyword arguments from ``REBOOK_DETECTOR_KAFKA_*`` variables."""
    env = Env(environ)
    linger = env.duration("DETECTOR_KAFKA_LINGER", DEFAULT_KAFKA_LINGER)
    compression = env.choice("DETECTOR_KAFKA_COMPRESSION", "auto", ("auto", "none", "gzip"))
    if compression == "auto":
        compression = "none" if kafka_record_util.crc32c_c is not None else "gzip"
    return {
        "linger_ms": round(linger.total_seconds() * 1000),
        "batch_size": env.positive_int("DETECTOR_KAFKA_BATCH_BYTES", DEFAULT_KAFKA_BATCH_BYTES),
        "compression_type": None if compression == "none" else compression,
    }


def deps_from(context: ServiceContext) -> ServiceDeps:
    """The process's deps, its producer batching for the detector's write path
    (``producer_settings``): the producer ``run_service`` gates on acks and flushes at the end."""
    return context.deps(**producer_settings())


def build_from(context: ServiceContext) -> Service:
    return build(load_config(), deps_from(context))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see README and rebook.detector.main."


def run(args: argparse.Namespace) -> int:
    return run_service("detector", build_from)

"""``rebook locator``: runs the PassengerLocationService.

Settings (besides the common ``REBOOK_*`` ones): ``REBOOK_LOCATOR_STALE_AFTER``,
``REBOOK_LOCATOR_RETENTION``, ``REBOOK_LOCATOR_DEBOUNCE_STEP``,
``REBOOK_LOCATOR_MAINTENANCE_INTERVAL`` (durations such as ``15m``, ``24h``, ``90s``) and
``REBOOK_LOCATOR_{PROXIMITY,BOOKINGS,FLIGHTS,DEAD_LETTER}_TOPIC`` (declared topics by default).
"""

from __future__ import annotations

import argparse

from rebook.locator.app import build, load_config
from rebook.runtime.service import Service, ServiceContext, run_service


def build_from(context: ServiceContext) -> Service:
    return build(load_config(), context.deps())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Configured by REBOOK_* environment variables (see README), and REBOOK_LOCATOR_STALE_AFTER, "
        "REBOOK_LOCATOR_RETENTION, REBOOK_LOCATOR_DEBOUNCE_STEP, REBOOK_LOCATOR_MAINTENANCE_INTERVAL, "
        "REBOOK_LOCATOR_{PROXIMITY,BOOKINGS,FLIGHTS,DEAD_LETTER}_TOPIC."
    )


def run(args: argparse.Namespace) -> int:
    return run_service("locator", build_from)

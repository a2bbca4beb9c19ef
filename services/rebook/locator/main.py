"""``rebook locator``: runs the PassengerLocationService.

Settings (besides the common ``REBOOK_*`` ones): ``REBOOK_LOCATOR_STALE_AFTER``,
``REBOOK_LOCATOR_RETENTION``, ``REBOOK_LOCATOR_DEBOUNCE_STEP``,
``REBOOK_LOCATOR_MAINTENANCE_INTERVAL`` (durations such as ``15m``, ``24h``, ``90s``) and
``REBOOK_LOCATOR_{PROXIMITY,BOOKINGS,FLIGHTS,DEAD_LETTER}_TOPIC`` (declared topics by default).
"""

from __future__ import annotations

import argparse

from rebook.locator.app import Locator, load_config
from rebook.runtime.service import ServiceContext, Wiring, run_service


def wire(context: ServiceContext) -> Wiring:
    config = load_config()
    locator = Locator(config, context.config.kafka_bootstrap, context.producer(), context.registry)
    return locator.wiring()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Configured by REBOOK_* environment variables (see README), and REBOOK_LOCATOR_STALE_AFTER, "
        "REBOOK_LOCATOR_RETENTION, REBOOK_LOCATOR_DEBOUNCE_STEP, REBOOK_LOCATOR_MAINTENANCE_INTERVAL, "
        "REBOOK_LOCATOR_{PROXIMITY,BOOKINGS,FLIGHTS,DEAD_LETTER}_TOPIC."
    )


def run(args: argparse.Namespace) -> int:
    return run_service("locator", wire)

"""``rebook notifier``: runs the NotificationService.

Start-up: read the state topic to its end (known notifications, channels), re-queue
undelivered webhooks, then consume offers.  Configuration (besides the common ``REBOOK_*``):

- ``REBOOK_NOTIFIER_WEBHOOK_SECRET``: HMAC key of webhook signatures (required outside
  ``REBOOK_ENV=development``; callers authenticate with the runtime's ``REBOOK_AUTH_*`` keys)
- ``REBOOK_NOTIFIER_WEBHOOK_ALLOW_HOSTS``: hosts (``.suffix`` for a domain) exempt from the
  public-address check of webhook URLs; https only outside development (``webhook_guard``)
- ``REBOOK_NOTIFIER_RETENTION``: how long an undelivered notification is kept (default 24h)
- ``REBOOK_NOTIFIER_WEBHOOK_MAX_ATTEMPTS`` (6), ``REBOOK_NOTIFIER_WEBHOOK_BACKOFF`` (500ms),
  ``REBOOK_NOTIFIER_WEBHOOK_BACKOFF_MAX`` (5m), ``REBOOK_NOTIFIER_WEBHOOK_TIMEOUT`` (5s),
  ``REBOOK_NOTIFIER_WEBHOOK_WORKERS`` (8)
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping
from datetime import timedelta

from rebook.notifier.app import NotifierConfig, build
from rebook.notifier.core.retry import RetryPolicy
from rebook.notifier.core.settings import DEV_WEBHOOK_SECRET, NotifierSettings
from rebook.runtime.config import ConfigError, Env, is_development, secret
from rebook.runtime.service import Service, ServiceContext, run_service

log = logging.getLogger(__name__)


def load_settings(environ: Mapping[str, str] | None = None) -> NotifierSettings:
    """``NotifierSettings`` from ``REBOOK_NOTIFIER_*``; ``ConfigError`` names a bad variable."""
    env = Env(environ)
    try:
        retry = RetryPolicy(
            max_attempts=env.positive_int("NOTIFIER_WEBHOOK_MAX_ATTEMPTS", 6),
            base_s=env.duration("NOTIFIER_WEBHOOK_BACKOFF", timedelta(milliseconds=500)).total_seconds(),
            cap_s=env.duration("NOTIFIER_WEBHOOK_BACKOFF_MAX", timedelta(minutes=5)).total_seconds(),
        )
        return NotifierSettings(
            webhook_secret=secret(env, "NOTIFIER_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET),
            retention=env.duration("NOTIFIER_RETENTION", timedelta(hours=24)),
            retry=retry,
            webhook_timeout=env.duration("NOTIFIER_WEBHOOK_TIMEOUT", timedelta(seconds=5)),
            webhook_workers=env.positive_int("NOTIFIER_WEBHOOK_WORKERS", 8),
            webhook_https_only=not is_development(env),
            webhook_allow_hosts=env.list("NOTIFIER_WEBHOOK_ALLOW_HOSTS"),
            max_streams=env.int("NOTIFIER_MAX_STREAMS", 0),
            max_streams_per_passenger=env.positive_int("NOTIFIER_MAX_STREAMS_PER_PASSENGER", 5),
        )
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"REBOOK_NOTIFIER_* settings are inconsistent: {exc}") from None


def build_from(context: ServiceContext) -> Service:
    return build(NotifierConfig(load_settings()), context.deps())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see rebook.notifier.main and the README."


def run(args: argparse.Namespace) -> int:
    return run_service("notifier", build_from)

"""Tunables of the notifier (plain data; ``rebook.notifier.main`` fills them from config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from rebook.notifier.core.retry import RetryPolicy

# Published development value: accepted only under REBOOK_ENV=development (``config.secret``).
DEV_WEBHOOK_SECRET = "rebook-development-webhook-secret-do-not-use-in-production"


@dataclass(frozen=True, slots=True)
class NotifierSettings:
    """``retention``: how long an undelivered notification waits for its passenger to subscribe.
    ``webhook_timeout``: deadline of one POST.  ``webhook_workers``: concurrent POSTs.
    """

    webhook_secret: bytes = DEV_WEBHOOK_SECRET.encode()
    retention: timedelta = timedelta(hours=24)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    webhook_timeout: timedelta = timedelta(seconds=5)
    webhook_workers: int = 8
    webhook_https_only: bool = True  # plain http only in development mode
    webhook_allow_hosts: tuple[str, ...] = ()  # skip the public-address check for these hosts
    max_streams: int = 0  # open Subscribe streams in all; 0: the gRPC pool less RESERVED_WORKERS
    max_streams_per_passenger: int = 5

    def __post_init__(self) -> None:
        if not self.webhook_secret:
            raise ValueError("the webhook secret must not be empty")
        if self.retention <= timedelta(0) or self.webhook_timeout <= timedelta(0) or self.webhook_workers < 1:
            raise ValueError("retention and webhook timeout must be positive, webhook workers at least 1")

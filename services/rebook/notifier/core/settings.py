"""Tunables of the notifier (plain data; ``rebook.notifier.main`` fills them from config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from rebook.notifier.core.auth import ClientCredential
from rebook.notifier.core.retry import RetryPolicy

# Development defaults: ``rebook notifier`` starts with no configuration, and warns about them.
DEV_TOKEN_SECRET = "rebook-dev-token-secret"
DEV_WEBHOOK_SECRET = "rebook-dev-webhook-secret"


@dataclass(frozen=True, slots=True)
class NotifierSettings:
    """``retention``: how long an undelivered notification waits for its passenger to subscribe.
    ``webhook_timeout``: deadline of one POST.  ``webhook_workers``: concurrent POSTs.
    """

    token_secret: bytes = DEV_TOKEN_SECRET.encode()
    webhook_secret: bytes = DEV_WEBHOOK_SECRET.encode()
    clients: tuple[ClientCredential, ...] = ()
    retention: timedelta = timedelta(hours=24)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    webhook_timeout: timedelta = timedelta(seconds=5)
    webhook_workers: int = 8

    def __post_init__(self) -> None:
        if not self.token_secret or not self.webhook_secret:
            raise ValueError("secrets must not be empty")
        if self.retention <= timedelta(0) or self.webhook_timeout <= timedelta(0) or self.webhook_workers < 1:
            raise ValueError("retention and webhook timeout must be positive, webhook workers at least 1")

    @property
    def dev_secrets(self) -> list[str]:
        """Which secrets still have their public development default."""
        defaults = (
            ("token", self.token_secret, DEV_TOKEN_SECRET),
            ("webhook", self.webhook_secret, DEV_WEBHOOK_SECRET),
        )
        return [name for name, value, default in defaults if value == default.encode()]

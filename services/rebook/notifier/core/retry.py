"""When to try a webhook again: exponential backoff with jitter, and which failures are final."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# 4xx answers that may succeed later; every other 4xx is final (a retry would get the same answer).
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_attempts`` POSTs in all; the n-th retry waits about ``base_s * 2**(n-1)``, capped."""

    max_attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_s < 0 or self.cap_s < self.base_s:
            raise ValueError("need max_attempts >= 1 and 0 <= base_s <= cap_s")

    def delay_s(self, failed_attempts: int, random: Callable[[], float]) -> float:
        """Wait before the next attempt after ``failed_attempts`` failures ("equal jitter").

        Half the exponential step is fixed, half random, so retries of many webhooks that
        failed together spread out but never come back immediately.
        """
        step = min(self.cap_s, self.base_s * 2 ** (failed_attempts - 1))
        return step / 2 + random() * step / 2

    def gives_up(self, failed_attempts: int, status: int | None) -> bool:
        """True when the notification should go to the dead-letter topic now."""
        return failed_attempts >= self.max_attempts or not is_retryable(status)


def is_retryable(status: int | None) -> bool:
    """``None`` = no HTTP answer (connection error, timeout): worth retrying, as are 5xx."""
    if status is None or status >= 500:
        return True
    return status in _RETRYABLE_CLIENT_ERRORS

from __future__ import annotations

import hashlib
import hmac

import pytest

from rebook.notifier.core.retry import RetryPolicy, is_retryable
from rebook.notifier.core.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_webhook,
    verify_webhook,
    webhook_headers,
)

SECRET = b"hook-secret"
BODY = b'{"notificationId":"off-1:1:pax-1"}'


def test_signature_is_hex_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign_webhook(SECRET, "1700000000", BODY) == f"sha256={expected}"


def test_headers_verify_and_tampering_fails() -> None:
    headers = webhook_headers(SECRET, BODY, 1_700_000_000.7)
    assert headers[TIMESTAMP_HEADER] == "1700000000"
    timestamp, signature = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert verify_webhook(SECRET, timestamp, BODY, signature, now_s=1_700_000_010)
    assert not verify_webhook(SECRET, timestamp, BODY + b" ", signature, now_s=1_700_000_010)
    assert not verify_webhook(b"other", timestamp, BODY, signature, now_s=1_700_000_010)
    assert not verify_webhook(SECRET, "1700000001", BODY, signature, now_s=1_700_000_010)
    assert not verify_webhook(SECRET, timestamp, BODY, signature, now_s=1_700_000_000 + 3600)  # replayed late
    assert not verify_webhook(SECRET, "not-a-time", BODY, signature, now_s=1_700_000_010)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_s=1.0, cap_s=8.0)
    assert [policy.delay_s(n, lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [policy.delay_s(n, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_gives_up_after_max_attempts_or_on_a_final_answer() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.gives_up(1, 503) and not policy.gives_up(2, None)
    assert policy.gives_up(3, 503)
    assert policy.gives_up(1, 404) and policy.gives_up(1, 400)
    assert not policy.gives_up(1, 429)


@pytest.mark.parametrize(("status", "retry"), [(None, True), (500, True), (503, True), (429, True), (410, False)])
def test_is_retryable(status: int | None, retry: bool) -> None:
    assert is_retryable(status) is retry


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_s=10, cap_s=1)

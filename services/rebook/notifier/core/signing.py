"""Webhook signatures: ``X-Rebook-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body">``.

The timestamp (unix seconds, in ``X-Rebook-Timestamp``) is part of the signed text so a
receiver can reject replays of old deliveries.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Rebook-Timestamp"
SIGNATURE_HEADER = "X-Rebook-Signature"
_PREFIX = "sha256="


def sign_webhook(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Rebook-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_webhook(
    secret: bytes, timestamp: str, body: bytes, signature: str, now_s: float, tolerance_s: float = 300.0
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs(now_s - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance_s and hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


def webhook_headers(secret: bytes, body: bytes, now_s: float) -> dict[str, str]:
    """The headers of one webhook POST made at ``now_s``."""
    timestamp = str(int(now_s))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign_webhook(secret, timestamp, body),
    }

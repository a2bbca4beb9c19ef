"""Passenger tokens: a passenger id and an expiry, signed with HMAC-SHA256.

Format: ``v1.<base64url(json payload)>.<base64url(signature)>``; the payload is
``{"sub": passenger_id, "exp": unix_seconds}``.  The signature covers ``v1.<payload>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from rebook.domain.errors import UnauthenticatedError

VERSION = "v1"


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, signed_part: str) -> str:
    return _b64encode(hmac.new(secret, signed_part.encode(), hashlib.sha256).digest())


def issue_passenger_token(
    secret: bytes | str, passenger_id: str, ttl: timedelta, now: datetime | None = None
) -> str:
    """A token proving ``passenger_id`` until ``now + ttl``."""
    if not passenger_id:
        raise ValueError("passenger_id is required")
    key = secret.encode() if isinstance(secret, str) else secret
    expires = int(((now or datetime.now(UTC)) + ttl).timestamp())
    payload = _b64encode(json.dumps({"sub": passenger_id, "exp": expires}, separators=(",", ":")).encode())
    signed_part = f"{VERSION}.{payload}"
    return f"{signed_part}.{_sign(key, signed_part)}"


def verify_passenger_token(secret: bytes, token: str, now: datetime) -> str:
    """The passenger id the token proves; ``UnauthenticatedError`` if tampered, malformed or expired."""
    version, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    if version != VERSION or not payload or not signature:
        raise UnauthenticatedError("malformed passenger token", reason="TOKEN_MALFORMED")
    if not hmac.compare_digest(_sign(secret, f"{version}.{payload}"), signature):
        raise UnauthenticatedError("invalid passenger token signature", reason="TOKEN_INVALID")
    try:
        claims = json.loads(_b64decode(payload))
        passenger_id, expires = str(claims["sub"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise UnauthenticatedError("malformed passenger token", reason="TOKEN_MALFORMED") from None
    if now.timestamp() >= expires:
        raise UnauthenticatedError("passenger token expired", reason="TOKEN_EXPIRED")
    return passenger_id

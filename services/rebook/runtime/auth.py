"""Credentials: signed JWTs (PyJWT, HS256) for passengers and airline clients, one keyring.

A token is ``Bearer <jwt>`` in the ``authorization`` metadata.  Claims: ``iss``/``aud``
``rebook``, ``sub`` (passenger id or client id), ``kind`` (``passenger``/``client``), for
clients ``carriers`` and ``roles``, ``iat`` and ``exp``.  The header's ``kid`` (a digest of the
key, never the key) picks the verification key, so several keys can be valid at once while a
new one is rolled out (``REBOOK_AUTH_VERIFY_SECRETS``).  See ``docs/security.md``.

The caller of the RPC being handled is available to servicers as ``caller()``; the server
interceptor (``rebook.runtime.grpc_server``) sets it after checking the method's rule.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from rebook.domain.access import ALL_CARRIERS, CLIENT, PASSENGER, ROLES, Principal
from rebook.domain.errors import UnauthenticatedError
from rebook.runtime.config import ConfigError, Env, secret, secrets

ISSUER = "rebook"
AUDIENCE = "rebook"
ALGORITHM = "HS256"
# Published on purpose: only ever accepted under REBOOK_ENV=development.
DEV_AUTH_SECRET = "rebook-development-auth-secret-do-not-use-in-production"
TOOL_TOKEN_ENV = "REBOOK_CLIENT_TOKEN"
TOOL_CLIENT_ID = "rebook-tools"

_SCHEME = "bearer"
_CALLER: ContextVar[Principal | None] = ContextVar("rebook_caller", default=None)


def key_id(key: bytes) -> str:
    """A public name of a key: enough to choose it, useless to recover it."""
    return hashlib.sha256(b"rebook-kid:" + key).hexdigest()[:16]


class Keyring:
    """Signs with ``signing_key``; verifies with it and any ``verify_keys`` (rotation)."""

    def __init__(self, signing_key: bytes, verify_keys: Iterable[bytes] = ()) -> None:
        if not signing_key:
            raise ValueError("a signing key is required")
        self._signing_key = signing_key
        self._keys = {key_id(key): key for key in (signing_key, *verify_keys)}

    def sign(self, subject: str, kind: str, ttl: timedelta, now: datetime | None = None, **claims: Any) -> str:
        if not subject:
            raise ValueError("a subject is required")
        issued = now or datetime.now(UTC)
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "kind": kind,
            "iat": int(issued.timestamp()),
            "exp": int((issued + ttl).timestamp()),
            **claims,
        }
        return jwt.encode(payload, self._signing_key, ALGORITHM, headers={"kid": key_id(self._signing_key)})

    def passenger_token(self, passenger_id: str, ttl: timedelta, now: datetime | None = None) -> str:
        """A token proving ``passenger_id`` until ``now + ttl``."""
        return self.sign(passenger_id, PASSENGER, ttl, now)

    def client_token(
        self, client_id: str, carriers: Sequence[str], roles: Sequence[str], ttl: timedelta, now: datetime | None = None
    ) -> str:
        """A token of an airline client acting for ``carriers`` (``*`` = all) with ``roles``."""
        unknown = set(roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; known: {', '.join(sorted(ROLES))}")
        if not carriers:
            raise ValueError("a client acts for at least one carrier")
        normalised = sorted({carrier.strip().upper() for carrier in carriers})
        return self.sign(client_id, CLIENT, ttl, now, carriers=normalised, roles=sorted(set(roles)))

    def verify(self, token: str, now: datetime) -> Principal:
        """The principal a token proves; ``UnauthenticatedError`` for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise UnauthenticatedError("malformed token", reason="TOKEN_MALFORMED") from None
        key = self._keys.get(str(header.get("kid", "")))
        if key is None:
            raise UnauthenticatedError("token signed with an unknown key", reason="TOKEN_INVALID")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "kind"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            raise UnauthenticatedError("invalid token", reason="TOKEN_INVALID") from None
        # Expiry against the injected clock (PyJWT would use the wall clock).
        if not isinstance(claims["exp"], int) or now.timestamp() >= claims["exp"]:
            raise UnauthenticatedError("token expired", reason="TOKEN_EXPIRED")
        return _principal(claims)

    def authenticate(self, authorization: str | None, now: datetime) -> Principal | None:
        """``None`` without an ``authorization`` value; raises for a present but bad one."""
        if not authorization:
            return None
        scheme, _, credential = authorization.strip().partition(" ")
        if scheme.lower() != _SCHEME or not credential.strip():
            raise UnauthenticatedError("expected 'Bearer <token>' in the authorization metadata")
        return self.verify(credential.strip(), now)


def _principal(claims: Mapping[str, Any]) -> Principal:
    kind, subject = claims["kind"], str(claims["sub"])
    if kind == PASSENGER:
        return Principal(PASSENGER, subject)
    carriers, roles = claims.get("carriers"), claims.get("roles")
    if kind != CLIENT or not isinstance(carriers, list) or not isinstance(roles, list):
        raise UnauthenticatedError("malformed token claims", reason="TOKEN_MALFORMED")
    return Principal(CLIENT, subject, frozenset(map(str, carriers)), frozenset(map(str, roles)) & ROLES)


def load_keyring(environ: Mapping[str, str] | None = None) -> Keyring:
    """``REBOOK_AUTH_SECRET`` (signs and verifies) and ``REBOOK_AUTH_VERIFY_SECRETS`` (comma-separated
    older keys still accepted); outside development each must be a real secret (``config.secret``)."""
    env = Env(environ)
    return Keyring(secret(env, "AUTH_SECRET", DEV_AUTH_SECRET), secrets(env, "AUTH_VERIFY_SECRETS"))


def tool_token(environ: Mapping[str, str] | None = None, ttl: timedelta = timedelta(hours=12)) -> str:
    """The credential of the project's own tools (replay, demo, benches): ``REBOOK_CLIENT_TOKEN``
    when set, else a client for every carrier with every role, minted from the configured key."""
    source = os.environ if environ is None else environ
    given = source.get(TOOL_TOKEN_ENV, "")
    if given:
        return given
    try:
        keyring = load_keyring(source)
    except ConfigError as exc:
        raise ConfigError(f"{exc}; or give a client token in {TOOL_TOKEN_ENV}") from None
    return keyring.client_token(TOOL_CLIENT_ID, [ALL_CARRIERS], sorted(ROLES), ttl)


def caller() -> Principal:
    """The authenticated caller of the RPC being handled."""
    principal = _CALLER.get()
    if principal is None:
        raise UnauthenticatedError("no authenticated caller")
    return principal


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Makes ``principal`` the ``caller()`` for the duration of one handler."""
    token = _CALLER.set(principal)
    try:
        yield
    finally:
        _CALLER.reset(token)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying ``token``."""
    return (("authorization", f"Bearer {token}"),)

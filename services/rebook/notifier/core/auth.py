"""Who is calling, and what they may see.

Two kinds of caller, both in the ``authorization`` metadata as ``Bearer <credential>``:

- a passenger, with a passenger token (see ``tokens``): sees only their own notifications;
- an airline's app backend, with a client credential ``<client_id>:<client_secret>``
  configured per airline: sees the notifications of that airline's offers.

No credential, a malformed/forged/expired one → ``UnauthenticatedError``; a valid one for
another passenger or airline → ``PermissionDeniedError``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rebook.domain.errors import PermissionDeniedError, UnauthenticatedError
from rebook.notifier.core.tokens import verify_passenger_token

_SCHEME = "bearer"


@dataclass(frozen=True, slots=True)
class ClientCredential:
    """An app backend's credential, scoped to one airline (carrier code)."""

    client_id: str
    secret: str
    carrier: str


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: exactly one of ``passenger_id`` and ``carrier`` is set."""

    passenger_id: str = ""
    carrier: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which notifications a subscription or listing covers; empty fields match anything."""

    passenger_id: str = ""
    carrier: str = ""

    def matches(self, passenger_id: str, carrier: str) -> bool:
        return (not self.passenger_id or self.passenger_id == passenger_id) and (
            not self.carrier or self.carrier == carrier
        )

    @property
    def kind(self) -> str:
        """``passenger`` or ``airline`` (a low-cardinality metric label)."""
        return "airline" if self.carrier else "passenger"


def parse_clients(items: Iterable[str]) -> tuple[ClientCredential, ...]:
    """Parses ``client_id:secret:carrier`` items; ``ValueError`` names the bad item's position."""
    clients: list[ClientCredential] = []
    for position, item in enumerate(items):
        parts = item.split(":")
        if len(parts) != 3 or not all(part.strip() for part in parts):
            raise ValueError(f"item {position} is not client_id:secret:carrier")
        client_id, secret, carrier = (part.strip() for part in parts)
        clients.append(ClientCredential(client_id, secret, carrier.upper()))
    if len({client.client_id for client in clients}) != len(clients):
        raise ValueError("client ids must be unique")
    return tuple(clients)


class Authenticator:
    """Turns an ``authorization`` value into a ``Principal``."""

    def __init__(self, token_secret: bytes, clients: Iterable[ClientCredential] = ()) -> None:
        self._token_secret = token_secret
        self._clients = {client.client_id: client for client in clients}

    def authenticate(self, authorization: str | None, now: datetime) -> Principal:
        scheme, _, credential = (authorization or "").strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != _SCHEME or not credential:
            raise UnauthenticatedError("missing bearer credential in the authorization metadata")
        if ":" in credential:
            return self._client(credential)
        return Principal(passenger_id=verify_passenger_token(self._token_secret, credential, now))

    def _client(self, credential: str) -> Principal:
        client_id, _, secret = credential.partition(":")
        client = self._clients.get(client_id)
        expected = client.secret if client else "\0" * max(len(secret), 1)
        # Compare even for an unknown id so that timing does not reveal which ids exist.
        if not hmac.compare_digest(expected.encode(), secret.encode()) or client is None:
            raise UnauthenticatedError("invalid client credential", reason="CLIENT_INVALID")
        return Principal(carrier=client.carrier)


def subscription_scope(principal: Principal, passenger_id: str) -> Scope:
    """What ``principal`` may follow when asking for ``passenger_id`` (empty = everything allowed)."""
    if principal.passenger_id:
        if passenger_id and passenger_id != principal.passenger_id:
            raise PermissionDeniedError("the token is for another passenger")
        return Scope(passenger_id=principal.passenger_id)
    return Scope(passenger_id=passenger_id, carrier=principal.carrier)


def passenger_scope(principal: Principal, passenger_id: str) -> Scope:
    """Like ``subscription_scope``, but an app backend must name the passenger."""
    if principal.carrier and not passenger_id:
        raise PermissionDeniedError("an app backend must name the passenger")
    return subscription_scope(principal, passenger_id)


def require_passenger(principal: Principal, passenger_id: str) -> str:
    """The passenger a passenger-only action is for (their own); app backends may not."""
    if not principal.passenger_id:
        raise PermissionDeniedError("only the passenger (with a passenger token) may do this")
    if passenger_id and passenger_id != principal.passenger_id:
        raise PermissionDeniedError("the token is for another passenger")
    return principal.passenger_id

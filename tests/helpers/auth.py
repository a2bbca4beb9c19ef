"""Credentials for tests: tokens minted from the development key (the suite runs with
``REBOOK_ENV=development``), and channels that carry them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import grpc

from rebook.domain.access import ALL_CARRIERS, ROLES
from rebook.runtime.auth import load_keyring
from rebook.runtime.grpc_client import open_channel


def passenger_token(passenger_id: str, ttl: timedelta = timedelta(minutes=10)) -> str:
    return load_keyring().passenger_token(passenger_id, ttl)


def client_token(
    carriers: Sequence[str] = (ALL_CARRIERS,), roles: Sequence[str] = tuple(sorted(ROLES)), client_id: str = "test"
) -> str:
    """An airline client (by default: every carrier, every role)."""
    return load_keyring().client_token(client_id, carriers, roles, timedelta(minutes=30))


def client_channel(port: int, token: str | None = None) -> grpc.Channel:
    """A loopback channel whose calls carry ``token`` (default: an all-carrier, all-role client)."""
    return open_channel(f"127.0.0.1:{port}", client_token() if token is None else token)

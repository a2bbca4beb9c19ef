from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rebook.domain.errors import PermissionDeniedError, UnauthenticatedError
from rebook.notifier.core.auth import (
    Authenticator,
    ClientCredential,
    Principal,
    Scope,
    parse_clients,
    passenger_scope,
    require_passenger,
    subscription_scope,
)
from rebook.notifier.core.tokens import issue_passenger_token, verify_passenger_token

SECRET = b"test-secret"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_token_proves_its_passenger_until_it_expires() -> None:
    token = issue_passenger_token(SECRET, "pax-1", HOUR, now=NOW)
    assert verify_passenger_token(SECRET, token, NOW + HOUR - timedelta(seconds=1)) == "pax-1"
    with pytest.raises(UnauthenticatedError) as expired:
        verify_passenger_token(SECRET, token, NOW + HOUR)
    assert expired.value.reason == "TOKEN_EXPIRED"


def test_a_tampered_or_foreign_token_is_rejected() -> None:
    token = issue_passenger_token(SECRET, "pax-1", HOUR, now=NOW)
    other = issue_passenger_token(SECRET, "pax-2", HOUR, now=NOW)
    version, payload, signature = token.split(".")
    swapped = f"{version}.{other.split('.')[1]}.{signature}"  # pax-2's claims, pax-1's signature
    flipped = f"{version}.{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    for bad in (swapped, flipped, "v1.onlyonepart", "garbage", ""):
        with pytest.raises(UnauthenticatedError):
            verify_passenger_token(SECRET, bad, NOW)
    with pytest.raises(UnauthenticatedError):
        verify_passenger_token(b"another-secret", token, NOW)


def test_issue_accepts_a_text_secret_and_rejects_an_empty_passenger() -> None:
    token = issue_passenger_token(SECRET.decode(), "pax-1", HOUR, now=NOW)
    assert verify_passenger_token(SECRET, token, NOW) == "pax-1"
    with pytest.raises(ValueError):
        issue_passenger_token(SECRET, "", HOUR)


@pytest.fixture
def auth() -> Authenticator:
    return Authenticator(SECRET, [ClientCredential("rb-app", "s3cret", "RB")])


def test_authenticate_passengers_and_app_backends(auth: Authenticator) -> None:
    token = issue_passenger_token(SECRET, "pax-1", HOUR, now=NOW)
    assert auth.authenticate(f"Bearer {token}", NOW) == Principal(passenger_id="pax-1")
    assert auth.authenticate(f"bearer  {token} ", NOW) == Principal(passenger_id="pax-1")
    assert auth.authenticate("Bearer rb-app:s3cret", NOW) == Principal(carrier="RB")


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Basic cmItYXBwOnMzY3JldA==", "Bearer rb-app:wrong", "Bearer nobody:s3cret"]
)
def test_missing_or_bad_credentials_are_unauthenticated(auth: Authenticator, header: str | None) -> None:
    with pytest.raises(UnauthenticatedError):
        auth.authenticate(header, NOW)


def test_scopes_keep_callers_to_their_passenger_or_airline() -> None:
    passenger, airline = Principal(passenger_id="pax-1"), Principal(carrier="RB")
    assert subscription_scope(passenger, "") == Scope(passenger_id="pax-1")
    assert subscription_scope(passenger, "pax-1") == Scope(passenger_id="pax-1")
    assert subscription_scope(airline, "") == Scope(carrier="RB")
    assert subscription_scope(airline, "pax-9") == Scope(passenger_id="pax-9", carrier="RB")
    with pytest.raises(PermissionDeniedError):
        subscription_scope(passenger, "pax-2")
    with pytest.raises(PermissionDeniedError):
        passenger_scope(airline, "")
    assert require_passenger(passenger, "") == "pax-1"
    for principal, asked in ((passenger, "pax-2"), (airline, "pax-1")):
        with pytest.raises(PermissionDeniedError):
            require_passenger(principal, asked)


def test_scope_matching() -> None:
    assert Scope().matches("pax-1", "RB")
    assert Scope(carrier="RB").matches("pax-1", "RB")
    assert not Scope(carrier="XX").matches("pax-1", "RB")
    assert not Scope(passenger_id="pax-2").matches("pax-1", "RB")
    assert Scope(carrier="RB").kind == "airline" and Scope(passenger_id="p").kind == "passenger"


def test_parse_clients() -> None:
    assert parse_clients(["a:x:rb", " b : y : LH "]) == (
        ClientCredential("a", "x", "RB"),
        ClientCredential("b", "y", "LH"),
    )
    for bad in (["a:x"], ["a:x:rb:extra"], ["a::rb"], ["a:x:rb", "a:y:lh"]):
        with pytest.raises(ValueError):
            parse_clients(bad)

"""What each caller of the notifier may see (pure scope rules over the runtime's principals)."""

from __future__ import annotations

import pytest

from rebook.domain.access import CLIENT, PASSENGER, Principal
from rebook.domain.errors import PermissionDeniedError
from rebook.notifier.core.auth import Scope, passenger_scope, principal_scope, require_passenger, subscription_scope

RB = frozenset({"RB"})
PAX = Principal(PASSENGER, "pax-1")
AIRLINE = Principal(CLIENT, "rb-app", RB, frozenset({"notifications:subscribe"}))
EVERYONE = Principal(CLIENT, "tools", frozenset({"*"}), frozenset({"notifications:subscribe"}))


def test_scopes_keep_callers_to_their_passenger_or_airline() -> None:
    assert subscription_scope(PAX, "") == Scope(passenger_id="pax-1")
    assert subscription_scope(PAX, "pax-1") == Scope(passenger_id="pax-1")
    assert subscription_scope(AIRLINE, "") == Scope(carriers=RB)
    assert subscription_scope(AIRLINE, "pax-9") == Scope(passenger_id="pax-9", carriers=RB)
    assert principal_scope(EVERYONE) == Scope()
    with pytest.raises(PermissionDeniedError):
        subscription_scope(PAX, "pax-2")
    with pytest.raises(PermissionDeniedError):
        passenger_scope(AIRLINE, "")
    assert require_passenger(PAX, "") == "pax-1"
    for principal, asked in ((PAX, "pax-2"), (AIRLINE, "pax-1")):
        with pytest.raises(PermissionDeniedError):
            require_passenger(principal, asked)


def test_scope_matching() -> None:
    assert Scope().matches("pax-1", "RB")
    assert Scope(carriers=RB).matches("pax-1", "RB")
    assert not Scope(carriers=frozenset({"XX"})).matches("pax-1", "RB")
    assert not Scope(passenger_id="pax-2").matches("pax-1", "RB")
    assert Scope(carriers=RB).kind == "airline" and Scope(passenger_id="p").kind == "passenger"

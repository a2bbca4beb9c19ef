"""Which notifications a caller may see (object-level rules behind the declared access rules).

The caller is the runtime's ``Principal`` (``rebook.domain.access``): a passenger sees only
their own notifications; an app backend (a client with ``notifications:subscribe``) sees those
of its carriers' offers.  A valid caller asking for someone else's → ``PermissionDeniedError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rebook.domain.access import Principal
from rebook.domain.errors import PermissionDeniedError


@dataclass(frozen=True, slots=True)
class Scope:
    """Which notifications a subscription or listing covers; empty fields match anything."""

    passenger_id: str = ""
    carriers: frozenset[str] = frozenset()

    def matches(self, passenger_id: str, carrier: str) -> bool:
        return (not self.passenger_id or self.passenger_id == passenger_id) and (
            not self.carriers or carrier in self.carriers
        )

    @property
    def kind(self) -> str:
        """``passenger`` or ``airline`` (a low-cardinality metric label)."""
        return "airline" if self.carriers else "passenger"


def principal_scope(principal: Principal) -> Scope:
    """Everything ``principal`` may see (a client of every carrier: everything)."""
    if principal.is_passenger:
        return Scope(passenger_id=principal.passenger_id)
    return Scope(carriers=frozenset() if principal.all_carriers else principal.carriers)


def subscription_scope(principal: Principal, passenger_id: str) -> Scope:
    """What ``principal`` may follow when asking for ``passenger_id`` (empty = all it may see)."""
    if principal.is_passenger:
        if passenger_id and passenger_id != principal.passenger_id:
            raise PermissionDeniedError("the token is for another passenger", reason="OTHER_PASSENGER")
        return Scope(passenger_id=principal.passenger_id)
    return Scope(passenger_id=passenger_id, carriers=principal_scope(principal).carriers)


def passenger_scope(principal: Principal, passenger_id: str) -> Scope:
    """Like ``subscription_scope``, but an app backend must name the passenger."""
    if not principal.is_passenger and not passenger_id:
        raise PermissionDeniedError("an app backend must name the passenger")
    return subscription_scope(principal, passenger_id)


def require_passenger(principal: Principal, passenger_id: str) -> str:
    """The passenger a passenger-only action is for (their own); app backends may not."""
    if not principal.is_passenger:
        raise PermissionDeniedError("only the passenger (with a passenger token) may do this")
    if passenger_id and passenger_id != principal.passenger_id:
        raise PermissionDeniedError("the token is for another passenger", reason="OTHER_PASSENGER")
    return principal.passenger_id

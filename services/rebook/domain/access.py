"""Who a caller is and what each RPC lets them do (plain data, no transport).

Two kinds of caller: a *passenger* (token bound to one passenger id) and an airline
*client* (ops control, PSS, app backend, SRE tooling) with carriers and roles.  Every RPC
declares an ``AccessRule``; ``check`` runs before the servicer sees the request.  Object-level
checks (this offer is the passenger's, this leg is the client's carrier) are the servicer's,
with the helpers below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rebook.domain.errors import PermissionDeniedError, UnauthenticatedError

PASSENGER = "passenger"
CLIENT = "client"
ALL_CARRIERS = "*"

# The roles an airline client may hold (the one place they are spelled).
ROLES = frozenset(
    {
        "flights:write",
        "flights:read",
        "bookings:write",
        "offers:read",
        "offers:respond-on-behalf",
        "simulate",
        "locations:write",
        "proximity:read",
        "passengers:forget",
        "notifications:subscribe",
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    kind: str
    subject: str
    carriers: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()

    @property
    def is_passenger(self) -> bool:
        return self.kind == PASSENGER

    @property
    def passenger_id(self) -> str:
        return self.subject if self.is_passenger else ""

    @property
    def all_carriers(self) -> bool:
        return not self.is_passenger and ALL_CARRIERS in self.carriers

    def acts_for(self, carrier: str) -> bool:
        """A client of ``carrier`` (or of every carrier); never a passenger."""
        return not self.is_passenger and (self.all_carriers or carrier.upper() in self.carriers)


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Who may call one RPC: passengers (``passenger``), clients holding any of ``roles``, or
    anybody (``public``, e.g. health checks)."""

    passenger: bool = False
    roles: tuple[str, ...] = ()
    public: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")

    def describe(self) -> str:
        if self.public:
            return "anybody"
        who = ["passenger (own data)"] if self.passenger else []
        who += [f"client with {role}" for role in self.roles]
        return " or ".join(who) or "nobody"


PUBLIC = AccessRule(public=True)
# Reasons of the rule layer (``check``); object-level refusals use others (OTHER_PASSENGER, ...).
RULE_REASONS = frozenset({"PASSENGER_NOT_ALLOWED", "ROLE_MISSING"})


@dataclass(frozen=True, slots=True)
class AccessTable:
    """One service's rules, keyed by method name; ``missing`` lists methods without one."""

    service: str
    rules: Mapping[str, AccessRule] = field(default_factory=dict)

    def missing(self, methods: Iterable[str]) -> list[str]:
        return [name for name in methods if name not in self.rules]


def check(rule: AccessRule, principal: Principal | None) -> None:
    """``UnauthenticatedError`` without a caller, ``PermissionDeniedError`` if the rule excludes it."""
    if rule.public:
        return
    if principal is None:
        raise UnauthenticatedError("missing bearer credential in the authorization metadata")
    if principal.is_passenger:
        if not rule.passenger:
            raise PermissionDeniedError("passengers may not call this method", reason="PASSENGER_NOT_ALLOWED")
        return
    if not principal.roles.intersection(rule.roles):
        needed = " or ".join(rule.roles) or "a passenger token"
        raise PermissionDeniedError(f"this method needs {needed}", reason="ROLE_MISSING")


def require_own_passenger(principal: Principal, passenger_id: str) -> None:
    """A passenger acts only as themselves."""
    if principal.is_passenger and passenger_id != principal.passenger_id:
        raise PermissionDeniedError("the token is for another passenger", reason="OTHER_PASSENGER")


def require_carrier(principal: Principal, carrier: str) -> None:
    """A client acts only for its carriers."""
    if not principal.is_passenger and not principal.acts_for(carrier):
        raise PermissionDeniedError(f"this client may not act for carrier {carrier!r}", reason="OTHER_CARRIER")


def leg_carrier_matches(leg_id: str, carrier: str) -> bool:
    """``leg_id`` (``{carrier}{number}-…``, see ``make_leg_id``) is a leg of ``carrier``."""
    return leg_id.startswith(carrier) and leg_id[len(carrier) : len(carrier) + 1].isdigit()


def require_leg_carrier(principal: Principal, leg_id: str) -> None:
    """A client reads or writes only legs of its carriers (decided from the id: no lookup)."""
    if principal.is_passenger or principal.all_carriers:
        return
    if not any(leg_carrier_matches(leg_id, carrier) for carrier in principal.carriers):
        raise PermissionDeniedError("this client may not act for that leg's carrier", reason="OTHER_CARRIER")

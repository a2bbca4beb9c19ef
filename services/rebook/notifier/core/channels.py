"""Channel registration: how a passenger is reached."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from rebook.domain.errors import FieldViolation, ValidationError

MAX_URL_LENGTH = 2048


class Route(StrEnum):
    """The built-in ways out.  A route is a plain string (also the ``channel`` metric label):
    a push channel names its own (``rebook.notifier.channel``)."""

    STREAM = "stream"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """A passenger's registered channel; the latest registration wins."""

    channel_id: str
    passenger_id: str
    route: str
    webhook_url: str = ""  # the address a push channel delivers to (the API's one address field)


AddressCheck = Callable[[str], str]  # why an address cannot be registered; "" if it can


def validate_registration(route: str | None, address: str, push: Mapping[str, AddressCheck]) -> str:
    """The route to register: ``stream`` (no address) or one of the ``push`` routes, whose
    check the address must pass; ``ValidationError`` with field violations if it cannot be."""
    violations: list[FieldViolation] = []
    if route is None or (route != Route.STREAM and route not in push):
        kinds = [f"CHANNEL_KIND_{name.upper()}" for name in (Route.STREAM, *push)]
        violations.append(FieldViolation("kind", f"must be {', '.join(kinds[:-1])} or {kinds[-1]}"))
    elif route in push:
        problem = push[route](address)
        if problem:
            violations.append(FieldViolation("webhook_url", problem))
    elif address:
        violations.append(FieldViolation("webhook_url", f"only {', '.join(push)} channels take a URL"))
    if violations or route is None:
        raise ValidationError(violations)
    return route


def url_problem(url: str) -> str:
    """Why ``url`` is no webhook address (syntax only; ``webhook_guard`` checks where it points)."""
    if not url:
        return "required for a webhook channel"
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL"
    return ""

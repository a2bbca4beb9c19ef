"""Channel registration: how a passenger is reached."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from rebook.domain.errors import FieldViolation, ValidationError

MAX_URL_LENGTH = 2048


class Route(StrEnum):
    """The two ways out (also the ``channel`` metric label)."""

    STREAM = "stream"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """A passenger's registered channel; the latest registration wins."""

    channel_id: str
    passenger_id: str
    route: Route
    webhook_url: str = ""


def validate_registration(route: Route | None, webhook_url: str) -> Route:
    """The route to register; ``ValidationError`` with field violations if it cannot be."""
    violations: list[FieldViolation] = []
    if route is None:
        violations.append(FieldViolation("kind", "must be CHANNEL_KIND_STREAM or CHANNEL_KIND_WEBHOOK"))
    elif route is Route.WEBHOOK:
        problem = _url_problem(webhook_url)
        if problem:
            violations.append(FieldViolation("webhook_url", problem))
    elif webhook_url:
        violations.append(FieldViolation("webhook_url", "only webhook channels take a URL"))
    if violations or route is None:
        raise ValidationError(violations)
    return route


def _url_problem(url: str) -> str:
    if not url:
        return "required for a webhook channel"
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL"
    return ""

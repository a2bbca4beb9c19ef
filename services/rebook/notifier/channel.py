"""The notifier's port to push channels: how a notification leaves for a passenger's device.

The stream route is pulled (Subscribe streams claim what is pending, ``engine.py``); every other
route is a ``Channel`` the engine pushes to.  The webhook (``webhooks.WebhookChannel``) is one;
an SMS or push-notification provider is another file with a class like it, its settings in
``core/settings.py``, and one line in ``app.PUSH_CHANNELS``.  The engine never names a route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rebook.notifier.core.settings import NotifierSettings
from rebook.notifier.core.store import Entry


class Outcomes(Protocol):
    """What a channel reports after an attempt, from any thread (the engine implements it)."""

    def delivered(self, entry: Entry, route: str) -> None: ...
    def retrying(self, entry: Entry, route: str) -> None: ...
    def failed(self, entry: Entry, route: str, reason: str, attempts: int) -> None: ...


class Channel(Protocol):
    """A push route.  ``route`` is its name: the registration kind (``CHANNEL_KIND_{ROUTE}``),
    the value kept on the passenger's channel record and the ``channel`` metric label."""

    route: str

    def problem(self, address: str) -> str:
        """Why ``address`` cannot be registered for this route; ``""`` if it can."""
        ...

    def send(self, entry: Entry, address: str) -> None:
        """Hands ``entry`` over for delivery to ``address``; returns at once (outcomes follow)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ChannelDeps:
    """What a channel is built from.  ``sender``: a test's stand-in for the network, or None."""

    settings: NotifierSettings
    outcomes: Outcomes
    sender: Callable[..., int | None] | None = None


ChannelFactory = Callable[[ChannelDeps], Channel]

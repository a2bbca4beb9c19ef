"""Webhook URLs that point inside are refused after resolution (issue 12.6)."""

from __future__ import annotations

import pytest

from rebook.notifier.webhook_guard import WebhookGuard

ADDRESSES = {
    "hooks.airline.example": ["93.184.216.34"],
    "rebind.example": ["93.184.216.34", "10.0.0.5"],
    "metadata.example": ["169.254.169.254"],
    "v6-loopback.example": ["::1"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "internal.airline.example": ["10.1.2.3"],
}


def _resolve(host: str) -> list[str]:
    """The table above; an address literal resolves to itself."""
    return ADDRESSES.get(host, [host] if host[0].isdigit() or ":" in host else [])


def _guard(https_only: bool = True, allow: tuple[str, ...] = ()) -> WebhookGuard:
    return WebhookGuard(https_only, allow, resolver=_resolve)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://192.168.1.10/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://metadata.example/hook",
        "https://rebind.example/hook",
        "https://v6-loopback.example/hook",
        "https://mapped.example/hook",
        "https://nowhere.example/hook",
        "http://hooks.airline.example/hook",
    ],
)
def test_inside_or_plain_http_is_refused(url: str) -> None:
    assert _guard().problem(url)


def test_public_https_passes_and_the_allowlist_opens_inside_hosts() -> None:
    assert _guard().problem("https://hooks.airline.example/hook") == ""
    assert _guard(allow=(".airline.example",)).problem("https://internal.airline.example/hook") == ""
    assert _guard(allow=("127.0.0.1",)).problem("https://127.0.0.1:8443/hook") == ""
    assert _guard(https_only=False, allow=("127.0.0.1",)).problem("http://127.0.0.1:8080/hook") == ""
    assert _guard(https_only=False).problem("http://127.0.0.1:8080/hook")  # development: still not loopback

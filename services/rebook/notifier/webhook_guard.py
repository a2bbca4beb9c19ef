"""Webhooks that cannot be aimed inside (issue 12.6).

A webhook URL is refused unless it is ``https`` (plain ``http`` only in development mode) and
every address its host resolves to is a public one: loopback, link-local (which holds cloud
metadata at 169.254.169.254), private, shared, reserved, multicast and unspecified addresses
are refused, checked after DNS resolution, at registration and again before every POST (the
name may resolve elsewhere by then).  Redirects are never followed: a 3xx counts as a failed
attempt, so a public receiver cannot bounce the POST inside.  ``allow_hosts`` (exact host
names or addresses, or ``.suffix`` for a domain) skips the address check, e.g. for a receiver
inside the airline's network.

Left open: a name that resolves to a public address at the check and to a private one a moment
later (DNS rebinding between check and connect); pinning the connection to the checked address
would close it.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

Resolver = Callable[[str], Sequence[str]]


def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (empty when it does not resolve)."""
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError):
        return []


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class WebhookGuard:
    """Decides whether a webhook URL may be called."""

    def __init__(self, https_only: bool = True, allow_hosts: Sequence[str] = (), resolver: Resolver = resolve):
        self._https_only = https_only
        self._allow = tuple(host.strip().lower() for host in allow_hosts if host.strip())
        self._resolve = resolver

    def _allowed(self, host: str) -> bool:
        return any(host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in self._allow)

    def problem(self, url: str) -> str:
        """Why ``url`` may not be called, or ``""``."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" and (self._https_only or parts.scheme != "http"):
            return "must be an https URL" if self._https_only else "must be an absolute http(s) URL"
        if not host:
            return "must be an absolute http(s) URL"
        if self._allowed(host):
            return ""
        addresses = self._resolve(host)
        if not addresses:
            return "the host does not resolve"
        if not all(_is_public(address) for address in addresses):
            return "the host resolves to a loopback, link-local, private or reserved address"
        return ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status: a failed attempt


_OPENER = urllib.request.build_opener(_NoRedirects)


def guarded_post(guard: WebhookGuard) -> Callable[[str, bytes, dict[str, str], float], int | None]:
    """A webhook sender that checks the URL before each POST and never follows a redirect."""

    def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int | None:
        if guard.problem(url):
            return None  # refused: retried like a receiver that does not answer, then given up
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=timeout_s) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError, ValueError):
            return None

    return post

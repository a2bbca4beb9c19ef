"""Channels for every client in the project: a bearer token on each call, TLS when configured.

``open_channel(address, token)`` is what replay, the passenger client, the benches, the demo and
the tests use; TLS comes from ``REBOOK_GRPC_TLS_*`` (``rebook.runtime.tls``) unless given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import grpc

from rebook.runtime.tls import TlsSettings, channel_credentials, load_tls

Req = TypeVar("Req")
Resp = TypeVar("Resp")


class _Metadata(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds ``authorization: Bearer <token>`` to every call that does not carry one already."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details: Any) -> grpc.ClientCallDetails:  # grpc hands in a namedtuple
        metadata = list(details.metadata or ())
        if not any(key.lower() == "authorization" for key, _ in metadata):
            metadata.append(self._header)
        replaced: grpc.ClientCallDetails = details._replace(metadata=metadata)
        return replaced

    def intercept_unary_unary(
        self, continuation: Callable[[grpc.ClientCallDetails, Req], Resp], details: grpc.ClientCallDetails, request: Req
    ) -> Resp:
        return continuation(self._details(details), request)

    def intercept_unary_stream(
        self, continuation: Callable[[grpc.ClientCallDetails, Req], Resp], details: grpc.ClientCallDetails, request: Req
    ) -> Resp:
        return continuation(self._details(details), request)

    def intercept_stream_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, Req], Resp],
        details: grpc.ClientCallDetails,
        request_iterator: Req,
    ) -> Resp:
        return continuation(self._details(details), request_iterator)

    def intercept_stream_stream(
        self,
        continuation: Callable[[grpc.ClientCallDetails, Req], Resp],
        details: grpc.ClientCallDetails,
        request_iterator: Req,
    ) -> Resp:
        return continuation(self._details(details), request_iterator)


def open_channel(
    address: str,
    token: str = "",
    tls: TlsSettings | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A channel to ``address``; every call carries ``token`` (unless the call gives its own)."""
    settings = load_tls() if tls is None else tls
    options = list(options)
    if settings.dials_tls:
        if settings.server_name:
            options.append(("grpc.ssl_target_name_override", settings.server_name))
        channel = grpc.secure_channel(address, channel_credentials(settings), options=options)
    else:
        channel = grpc.insecure_channel(address, options=options)
    return grpc.intercept_channel(channel, _Metadata(token)) if token else channel


def open_aio_channel(
    address: str, tls: TlsSettings | None = None, options: Sequence[tuple[str, Any]] = ()
) -> grpc.aio.Channel:
    """An asyncio channel to ``address`` with the same TLS as ``open_channel``; create it on the
    event loop that will use it.  Calls give their own ``authorization`` metadata."""
    settings = load_tls() if tls is None else tls
    options = list(options)
    if settings.dials_tls:
        if settings.server_name:
            options.append(("grpc.ssl_target_name_override", settings.server_name))
        return grpc.aio.secure_channel(address, channel_credentials(settings), options=options)
    return grpc.aio.insecure_channel(address, options=options)

"""TLS for every gRPC port and client, from ``REBOOK_GRPC_TLS_*`` settings.

- ``REBOOK_GRPC_TLS_CERT`` / ``REBOOK_GRPC_TLS_KEY``: PEM files of this process's certificate
  (a server's certificate; a client's certificate for mutual TLS).
- ``REBOOK_GRPC_TLS_CA``: PEM file of the CA that signs the peers.  A server with it (and
  ``REBOOK_GRPC_TLS_REQUIRE_CLIENT_CERT=true``) refuses clients without a certificate from that
  CA; a client with it speaks TLS and verifies the server.
- ``REBOOK_GRPC_TLS_SERVER_NAME``: the name a client expects in the server's certificate, when it
  differs from the host it dials (e.g. dialing 127.0.0.1 through a tunnel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc

from rebook.runtime.config import ConfigError, Env


@dataclass(frozen=True, slots=True)
class TlsSettings:
    cert: str = ""
    key: str = ""
    ca: str = ""
    require_client_cert: bool = False
    server_name: str = ""

    @property
    def serves_tls(self) -> bool:
        return bool(self.cert)

    @property
    def dials_tls(self) -> bool:
        return bool(self.ca)


def load_tls(environ: Mapping[str, str] | None = None) -> TlsSettings:
    env = Env(environ)
    settings = TlsSettings(
        cert=env.str("GRPC_TLS_CERT", ""),
        key=env.str("GRPC_TLS_KEY", ""),
        ca=env.str("GRPC_TLS_CA", ""),
        require_client_cert=env.bool("GRPC_TLS_REQUIRE_CLIENT_CERT", False),
        server_name=env.str("GRPC_TLS_SERVER_NAME", ""),
    )
    if bool(settings.cert) != bool(settings.key):
        raise ConfigError("REBOOK_GRPC_TLS_CERT and REBOOK_GRPC_TLS_KEY go together")
    if settings.require_client_cert and not settings.ca:
        raise ConfigError("REBOOK_GRPC_TLS_REQUIRE_CLIENT_CERT needs REBOOK_GRPC_TLS_CA")
    for name, path in (("CERT", settings.cert), ("KEY", settings.key), ("CA", settings.ca)):
        if path and not Path(path).is_file():
            raise ConfigError(f"REBOOK_GRPC_TLS_{name}={path!r} is not a readable file")
    return settings


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


def server_credentials(settings: TlsSettings) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(Path(settings.key).read_bytes(), Path(settings.cert).read_bytes())],
        root_certificates=_read(settings.ca),
        require_client_auth=settings.require_client_cert,
    )


def channel_credentials(settings: TlsSettings) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=_read(settings.ca),
        private_key=_read(settings.key),
        certificate_chain=_read(settings.cert),
    )

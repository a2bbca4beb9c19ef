"""TLS with client certificates on a real server: a throwaway CA (``cryptography``) signs the
server's and one client's certificate; a call with the client certificate succeeds, one
without it (or in plaintext) is refused."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.optimizer.servicer import ACCESS, RebookingServicer
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.grpc_server import ServiceBinding, build_server
from rebook.runtime.metrics import new_registry
from rebook.runtime.tls import TlsSettings, load_tls
from rebook.v1 import rebooking_service_pb2 as rs
from rebook.v1 import rebooking_service_pb2_grpc as rs_grpc
from tests.helpers.auth import client_token

NOW = datetime.now(UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None, *, ca: bool = False):
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer or (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(minutes=5))
        .not_valid_after(NOW + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return key, builder.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, name: str, key, cert) -> tuple[str, str]:
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(cert_path), str(key_path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, TlsSettings]:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _issue("rebook test CA", None, ca=True)
    ca_path, _ = _write(folder, "ca", ca_key, ca_cert)
    server = _write(folder, "server", *_issue("rebook-optimizer", (ca_cert.subject, ca_key)))
    client = _write(folder, "client", *_issue("rebook-ops", (ca_cert.subject, ca_key)))
    return {
        "server": TlsSettings(cert=server[0], key=server[1], ca=ca_path, require_client_cert=True),
        "client": TlsSettings(cert=client[0], key=client[1], ca=ca_path),
        "no client cert": TlsSettings(ca=ca_path),
    }


def test_tls_settings_come_from_the_environment(pki) -> None:
    server = pki["server"]
    environ = {
        "REBOOK_GRPC_TLS_CERT": server.cert,
        "REBOOK_GRPC_TLS_KEY": server.key,
        "REBOOK_GRPC_TLS_CA": server.ca,
        "REBOOK_GRPC_TLS_REQUIRE_CLIENT_CERT": "true",
    }
    assert load_tls(environ) == server
    with pytest.raises(ValueError, match="REBOOK_GRPC_TLS_KEY"):
        load_tls({"REBOOK_GRPC_TLS_CERT": server.cert})


def test_mutual_tls_call_succeeds_and_a_call_without_client_certificate_is_refused(pki) -> None:
    binding = ServiceBinding(
        rs.DESCRIPTOR.services_by_name["RebookingService"],
        RebookingServicer(None),
        rs_grpc.add_RebookingServiceServicer_to_server,
        ACCESS,
    )
    server = build_server("127.0.0.1:0", [binding], new_registry(), tls=pki["server"])
    server.start()
    address = f"127.0.0.1:{server.port}"
    try:
        with open_channel(address, client_token(), tls=pki["client"]) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            with pytest.raises(grpc.RpcError) as invalid:  # authenticated over TLS, reaches validation
                rs_grpc.RebookingServiceStub(channel).GetOffer(rs.GetOfferRequest(), timeout=10)
            assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        for refused in (pki["no client cert"], TlsSettings()):
            with open_channel(address, client_token(), tls=refused) as channel, pytest.raises(grpc.RpcError) as error:
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert error.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(0)

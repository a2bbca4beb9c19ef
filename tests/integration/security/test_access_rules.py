"""Every RPC of the four services, real gRPC on port 0, callers from the issue-12 attacks.

The rule layer answers before a servicer runs, so the servicers here hold no data: a call
that passes the rule reaches the servicer (anything but UNAUTHENTICATED/PERMISSION_DENIED).
Object-level checks (another passenger, another carrier) are tested where the data is: the
optimizer, detector, locator and notifier service tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import grpc
import jwt
import pytest

from rebook.detector.servicer import ACCESS as DETECTOR
from rebook.detector.servicer import FlightStatusServicer
from rebook.domain.access import ROLES, RULE_REASONS, AccessRule
from rebook.locator.servicer import ACCESS as LOCATOR
from rebook.locator.servicer import PassengerLocationService
from rebook.notifier.servicer import ACCESS as NOTIFIER
from rebook.notifier.servicer import NotificationServicer
from rebook.optimizer.servicer import ACCESS as OPTIMIZER
from rebook.optimizer.servicer import RebookingServicer
from rebook.runtime.auth import Keyring, bearer
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.grpc_errors import error_reason
from rebook.runtime.grpc_server import ServiceBinding, build_server
from rebook.runtime.metrics import new_registry
from rebook.v1 import (
    flight_status_service_pb2,
    flight_status_service_pb2_grpc,
    notification_service_pb2,
    notification_service_pb2_grpc,
    passenger_location_service_pb2,
    passenger_location_service_pb2_grpc,
    rebooking_service_pb2,
    rebooking_service_pb2_grpc,
)

KEY = b"security-test-key-of-at-least-32-bytes!"
KEYRING = Keyring(KEY)
OTHER_KEYRING = Keyring(b"another-key-nobody-configured-32-bytes!!")
HOUR = timedelta(hours=1)
SERVICES = [
    (
        flight_status_service_pb2,
        "FlightStatusService",
        flight_status_service_pb2_grpc,
        DETECTOR,
        FlightStatusServicer(None, None),
    ),
    (
        passenger_location_service_pb2,
        "PassengerLocationService",
        passenger_location_service_pb2_grpc,
        LOCATOR,
        PassengerLocationService(SimpleNamespace(tracker=None, metrics=None)),
    ),
    (rebooking_service_pb2, "RebookingService", rebooking_service_pb2_grpc, OPTIMIZER, RebookingServicer(None)),
    (
        notification_service_pb2,
        "NotificationService",
        notification_service_pb2_grpc,
        NOTIFIER,
        NotificationServicer(SimpleNamespace(engine=None, webhook_guard=None)),
    ),
]
RPCS = [
    (module, service, method, access[method.name])
    for module, name, _, access, _ in SERVICES
    for service in [module.DESCRIPTOR.services_by_name[name]]
    for method in service.methods
]


def test_every_rpc_declares_who_may_call_it() -> None:
    for module, name, _, access, _ in SERVICES:
        methods = [m.name for m in module.DESCRIPTOR.services_by_name[name].methods]
        assert sorted(access) == sorted(methods), name
        assert all(isinstance(rule, AccessRule) and not rule.public for rule in access.values())


def test_a_binding_without_a_rule_is_refused() -> None:
    module, name, grpc_module, access, servicer = SERVICES[2]
    partial = {k: v for k, v in access.items() if k != "Simulate"}
    binding = ServiceBinding(
        module.DESCRIPTOR.services_by_name[name], servicer, grpc_module.add_RebookingServiceServicer_to_server, partial
    )
    with pytest.raises(ValueError, match="Simulate"):
        build_server("127.0.0.1:0", [binding], new_registry(), keyring=KEYRING)


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    bindings = [
        ServiceBinding(
            module.DESCRIPTOR.services_by_name[name],
            servicer,
            getattr(grpc_module, f"add_{name}Servicer_to_server"),
            access,
        )
        for module, name, grpc_module, access, servicer in SERVICES
    ]
    server = build_server("127.0.0.1:0", bindings, new_registry(), keyring=KEYRING)
    server.start()
    with open_channel(f"127.0.0.1:{server.port}") as opened:
        yield opened
    server.stop(0)


def _call(channel: grpc.Channel, module, service, method, metadata) -> tuple[grpc.StatusCode, str]:
    request_type = getattr(module, method.input_type.name)
    response_type = getattr(module, method.output_type.name)
    path = f"/{service.full_name}/{method.name}"
    serialize, deserialize = request_type.SerializeToString, response_type.FromString
    try:
        if method.client_streaming:
            channel.stream_unary(path, serialize, deserialize)(iter([request_type()]), metadata=metadata, timeout=5)
        elif method.server_streaming:
            stream = channel.unary_stream(path, serialize, deserialize)(request_type(), metadata=metadata, timeout=1)
            next(iter(stream), None)
        else:
            channel.unary_unary(path, serialize, deserialize)(request_type(), metadata=metadata, timeout=5)
    except grpc.RpcError as error:
        return error.code(), error_reason(error)
    return grpc.StatusCode.OK, ""


def _tampered(token: str) -> str:
    header, _, signature = token.split(".")
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience="rebook")
    forged = jwt.encode({**claims, "sub": "someone-else"}, "x" * 32, "HS256").split(".")[1]
    return ".".join((header, forged, signature))


def _roles_except(rule: AccessRule) -> list[str]:
    return sorted(ROLES - set(rule.roles))


def _callers(rule: AccessRule) -> list[tuple[str, str, bool]]:
    """(label, token, passes the rule) for one RPC's rule."""
    past = datetime.now(UTC) - 2 * HOUR
    everything = KEYRING.client_token("ops", ["*"], sorted(ROLES), HOUR)
    cases = [
        ("no credentials", "", False),
        ("expired", KEYRING.passenger_token("pax-1", HOUR, now=past), False),
        ("expired client", KEYRING.client_token("ops", ["*"], sorted(ROLES), HOUR, now=past), False),
        ("tampered", _tampered(everything), False),
        ("other key", OTHER_KEYRING.client_token("ops", ["*"], sorted(ROLES), HOUR), False),
        ("not a jwt", "pax-1", False),
        ("passenger", KEYRING.passenger_token("pax-1", HOUR), rule.passenger),
        ("client without the role", KEYRING.client_token("ops", ["*"], _roles_except(rule), HOUR), False),
    ]
    if rule.roles:
        cases.append(("client with the role", KEYRING.client_token("ops", ["RB"], list(rule.roles[:1]), HOUR), True))
    return cases


@pytest.mark.parametrize(
    ("module", "service", "method", "rule"), RPCS, ids=[f"{s.name}.{m.name}" for _, s, m, _ in RPCS]
)
def test_rpc_refuses_whoever_its_rule_excludes(channel, module, service, method, rule) -> None:
    """Allowed callers get past the rule (an empty request may still fail an object-level check
    or reach a servicer with no data); the others are refused by the rule layer itself."""
    for label, token, allowed in _callers(rule):
        code, reason = _call(channel, module, service, method, bearer(token) if token else ())
        if allowed:
            assert code != grpc.StatusCode.UNAUTHENTICATED and reason not in RULE_REASONS, (label, code, reason)
        elif label in ("passenger", "client without the role"):
            assert (code, reason in RULE_REASONS) == (grpc.StatusCode.PERMISSION_DENIED, True), label
        else:
            assert code == grpc.StatusCode.UNAUTHENTICATED, label

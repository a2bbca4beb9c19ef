"""The gRPC server factory and a real service process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from rebook.detector.servicer import ACCESS as DETECTOR_ACCESS
from rebook.domain.errors import FieldViolation, NotFoundError, ValidationError
from rebook.runtime.grpc_errors import error_reason, field_violations
from rebook.runtime.grpc_server import ServiceBinding, build_server
from rebook.runtime.metrics import new_registry
from rebook.v1 import flight_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from tests.helpers.auth import client_channel
from tests.helpers.net import free_port, wait_until

SERVICE = "rebook.v1.FlightStatusService"


class _Servicer(fss_grpc.FlightStatusServiceServicer):
    def GetFlightLeg(self, request, context):
        if not request.leg_id:
            raise ValidationError([FieldViolation("leg_id", "required")])
        if request.leg_id != "RB1-2026-11-23-FRA":
            raise NotFoundError(f"no leg {request.leg_id}", field="leg_id")
        return fss.GetFlightLegResponse(leg=flight_pb2.FlightLeg(leg_id=request.leg_id))

    def WatchDisruptions(self, request, context):
        raise ValidationError([FieldViolation("airport", "unknown airport")])
        yield  # pragma: no cover - makes this a generator


@pytest.fixture
def server():
    registry = new_registry()
    binding = ServiceBinding(
        fss.DESCRIPTOR.services_by_name["FlightStatusService"],
        _Servicer(),
        fss_grpc.add_FlightStatusServiceServicer_to_server,
        DETECTOR_ACCESS,
    )
    running = build_server("127.0.0.1:0", [binding], registry)
    running.start()
    channel = client_channel(running.port)
    yield running, channel, registry
    channel.close()
    running.stop(0)


def test_health_reflection_and_success(server) -> None:
    _, channel, registry = server
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", SERVICE):
        reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    names = {service.name for reply in replies for service in reply.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names
    leg = fss_grpc.FlightStatusServiceStub(channel).GetFlightLeg(
        fss.GetFlightLegRequest(leg_id="RB1-2026-11-23-FRA"), timeout=5
    )
    assert leg.leg.leg_id == "RB1-2026-11-23-FRA"
    labels = {"grpc_type": "unary", "grpc_service": SERVICE, "grpc_method": "GetFlightLeg", "grpc_code": "OK"}
    assert registry.get_sample_value("grpc_server_handled_total", labels) == 1


def test_domain_errors_become_canonical_codes_with_details(server) -> None:
    _, channel, registry = server
    stub = fss_grpc.FlightStatusServiceStub(channel)
    with pytest.raises(grpc.RpcError) as invalid:
        stub.GetFlightLeg(fss.GetFlightLegRequest(), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(invalid.value) == [("leg_id", "required")]
    assert error_reason(invalid.value) == "INVALID_INPUT"
    with pytest.raises(grpc.RpcError) as missing:
        stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id="XX9-2026-11-23-FRA"), timeout=5)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as streamed:
        list(stub.WatchDisruptions(fss.WatchDisruptionsRequest(airport="ZZZ"), timeout=5))
    assert streamed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(streamed.value) == [("airport", "unknown airport")]
    labels = {"grpc_type": "unary", "grpc_service": SERVICE, "grpc_method": "GetFlightLeg"}
    assert registry.get_sample_value("grpc_server_handled_total", {**labels, "grpc_code": "NOT_FOUND"}) == 1
    assert registry.get_sample_value("grpc_server_handled_total", {**labels, "grpc_code": "INVALID_ARGUMENT"}) == 1


def test_stop_reports_not_serving_before_shutting_down(server) -> None:
    running, channel, _ = server
    running.health.enter_graceful_shutdown()
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.mark.parametrize(
    ("service", "full_name"),
    [
        ("detector", "rebook.v1.FlightStatusService"),
        ("locator", "rebook.v1.PassengerLocationService"),
        ("optimizer", "rebook.v1.RebookingService"),
        ("notifier", "rebook.v1.NotificationService"),
    ],
)
def test_service_main_serves_health_and_metrics_and_stops_on_sigterm(kafka_bootstrap, service, full_name) -> None:
    grpc_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "REBOOK_KAFKA_BOOTSTRAP": kafka_bootstrap,
        f"REBOOK_{service.upper()}_GRPC_PORT": str(grpc_port),
        f"REBOOK_{service.upper()}_METRICS_PORT": str(metrics_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "rebook.cli", service], env=env, stderr=subprocess.PIPE, text=True
    )
    channel = client_channel(grpc_port)
    try:
        health = health_pb2_grpc.HealthStub(channel)

        def serving() -> bool:
            try:
                request = health_pb2.HealthCheckRequest(service=full_name)
                return health.Check(request, timeout=1).status == health_pb2.HealthCheckResponse.SERVING
            except grpc.RpcError:
                return False

        assert wait_until(serving, 60), "service never reported SERVING"
        body = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
        assert "grpc_server_handled_total" in body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert '"message":"stopped"' in process.stderr.read()
    finally:
        channel.close()
        if process.poll() is None:
            process.kill()


def test_a_second_server_on_a_busy_port_fails_clearly() -> None:
    first = build_server("127.0.0.1:0", [], new_registry())
    try:
        with pytest.raises(OSError, match="port is in use"):
            build_server(f"127.0.0.1:{first.port}", [], new_registry())
    finally:
        first.server.stop(0)


def test_a_service_on_a_busy_port_exits_with_one_clear_line(kafka_bootstrap) -> None:
    busy = build_server("127.0.0.1:0", [], new_registry())
    env = {
        **os.environ,
        "REBOOK_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "REBOOK_DETECTOR_GRPC_PORT": str(busy.port),
        "REBOOK_DETECTOR_METRICS_PORT": str(free_port()),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rebook.cli", "detector"], env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        busy.server.stop(0)
    assert done.returncode == 1
    assert "REBOOK_DETECTOR_GRPC_PORT" in done.stderr and "Traceback" not in done.stderr

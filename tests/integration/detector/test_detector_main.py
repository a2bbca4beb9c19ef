"""``rebook detector`` writes with the process's one producer (``ServiceContext``): the producer
``run_service`` watches for acknowledgements (``PublishGate``) and flushes and closes at the
end, tuned with the detector's batching (``producer_settings``)."""

from __future__ import annotations

from dataclasses import replace

import grpc
import pytest

from rebook.detector.app import DetectorConfig, build
from rebook.detector.main import deps_from, producer_settings
from rebook.detector.writer import Topics
from rebook.flightops import Cancellation
from rebook.runtime.config import load_runtime_config
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceContext, serving
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from tests.helpers.auth import client_channel
from tests.integration.detector.detector_fixtures import load, report
from tests.unit.flightops.flightops_helpers import rotation, t


def test_the_detector_writes_with_the_producer_the_runtime_gates_and_closes(kafka_bootstrap, make_topic) -> None:
    topics = Topics(make_topic("flights", 1, compacted=True), make_topic("disruptions", 1))
    registry = new_registry()
    context = ServiceContext(load_runtime_config("detector", {"REBOOK_KAFKA_BOOTSTRAP": kafka_bootstrap}), registry)
    deps = replace(deps_from(context), clock=lambda: t(5))
    assert deps.producer is context.created_producer  # what run_service gates and closes
    assert context.producer(**producer_settings()) is deps.producer  # created with the detector's batching
    with pytest.raises(RuntimeError):
        context.producer(linger_ms=0)  # one producer per process: no second one with other options
    legs = rotation()
    with serving(build(DetectorConfig(topics=topics), deps), "127.0.0.1:0", registry, grace_s=1) as server:
        channel = client_channel(server.port)
        try:
            stub = fss_grpc.FlightStatusServiceStub(channel)
            assert load(stub, legs).created_count == 4
            context.close()  # what run_service does last, here while serving: the writes use it
            with pytest.raises(grpc.RpcError) as refused:
                report(stub, "ev-cnl", legs[3].leg_id, Cancellation("crew"), t(4, 30))
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
            assert not context.created_producer.delivery.ok  # what the PublishGate hears
        finally:
            channel.close()

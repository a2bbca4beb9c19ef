"""The detector service end to end: gRPC in, real Kafka out, restart from the topics."""

from __future__ import annotations

import threading
from datetime import timedelta

from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.flightops import Cancellation, EstimateChange
from rebook.v1 import disruption_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from tests.helpers.net import wait_until
from tests.integration.detector.detector_fixtures import event_message, load, report
from tests.unit.flightops.flightops_helpers import rotation, t

LEGS = rotation()  # RB100 FRA-BER 06:00, RB101 07:50, RB102 09:50, RB103 12:00, one aircraft
L100, L101, L102, L103 = (leg.leg_id for leg in LEGS)


def _sample(registry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_cancellation_and_delay_published_once_with_predicted_knock_on(detector) -> None:
    running = detector.start()
    assert load(running.stub, LEGS).created_count == 4
    cancel = report(running.stub, "ev-cnl", L103, Cancellation("crew"), t(4, 30))
    assert cancel.applied and cancel.leg.status == 3
    delay = report(running.stub, "ev-etd", L100, EstimateChange(departure=t(9)), t(4, 40))
    by_id = {d.disruption_id: d for d in delay.disruptions}
    assert not by_id[f"DELAY:{L100}"].predicted
    # The late aircraft predicts delays for legs no event has mentioned yet.
    assert by_id[f"DELAY:{L101}"].predicted and by_id[f"DELAY:{L101}"].cause_leg_id == L100
    assert by_id[f"DELAY:{L102}"].predicted
    # Replays (same id, singly and in a batch) change nothing.
    assert not report(running.stub, "ev-etd", L100, EstimateChange(departure=t(9)), t(4, 40)).applied
    batch = running.stub.ReportFlightEvents(
        fss.ReportFlightEventsRequest(events=[event_message("ev-cnl", L103, Cancellation("crew"), t(4, 30))]),
        timeout=10,
    )
    assert [(r.event_id, r.applied, r.error_code) for r in batch.results] == [("ev-cnl", False, "")]

    published = detector.published()
    expected = {f"CANCELLATION:{L103}", f"DELAY:{L100}", f"DELAY:{L101}", f"DELAY:{L102}"}
    assert {did for did, _ in published} == expected
    assert set(published.values()) == {1}, "every disruption version exactly once"
    traces = {r.headers["trace-id"] for r in detector.disruption_records()}
    assert traces == {"ev-cnl", "ev-etd"}, "disruptions carry the causing event id as trace id"
    registry = running.registry
    assert _sample(registry, "rebook_detector_events_received_total", kind="estimate") == 2
    assert _sample(registry, "rebook_detector_events_ignored_total", reason="duplicate") == 2
    assert _sample(registry, "rebook_detector_disruptions_emitted_total", kind="delay", basis="predicted") == 2
    assert _sample(registry, "rebook_detector_disruptions_emitted_total", kind="cancellation", basis="confirmed") == 1
    assert _sample(registry, "rebook_detector_event_to_disruption_seconds_count") == 4
    assert _sample(registry, "rebook_detector_legs_tracked") == 4
    assert _sample(registry, "rebook_detector_last_event_timestamp_seconds") == t(4, 40).timestamp()


def test_restart_rebuilds_state_and_replayed_events_emit_nothing(detector) -> None:
    first = detector.start()
    load(first.stub, LEGS)
    report(first.stub, "ev-1", L100, EstimateChange(departure=t(7)), t(4, 0))
    report(first.stub, "ev-2", L100, EstimateChange(departure=t(8)), t(4, 10))  # supersedes ev-1
    report(first.stub, "ev-3", L102, Cancellation("tech"), t(4, 20))
    before_leg = first.stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=L100), timeout=5).leg
    before_list = first.stub.ListDisruptions(fss.ListDisruptionsRequest(), timeout=5).disruptions
    before_topic = detector.published()
    first.stop()

    second = detector.start()  # a new instance on the same topics
    health = health_pb2_grpc.HealthStub(second.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    after_leg = second.stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=L100), timeout=5).leg
    assert after_leg.version == before_leg.version
    assert after_leg.estimated_departure_time == before_leg.estimated_departure_time
    assert second.stub.ListDisruptions(fss.ListDisruptionsRequest(), timeout=5).disruptions == before_list
    # Every earlier event replayed: the latest of its kind (known id), an older one (stale),
    # and one that the later cancellation would now reject were it applied again.
    assert not report(second.stub, "ev-1", L100, EstimateChange(departure=t(7)), t(4, 0)).applied
    assert not report(second.stub, "ev-2", L100, EstimateChange(departure=t(8)), t(4, 10)).applied
    assert not report(second.stub, "ev-3", L102, Cancellation("tech"), t(4, 20)).applied
    assert detector.published() == before_topic, "no disruption version emitted twice"
    # ... while a new event still goes through.
    assert report(second.stub, "ev-4", L100, EstimateChange(departure=t(6)), t(4, 30)).applied


def test_watch_streams_matching_disruptions_and_ends_when_the_server_stops(detector) -> None:
    running = detector.start()
    load(running.stub, LEGS)
    stream = running.stub.WatchDisruptions(fss.WatchDisruptionsRequest(carrier="RB", airport="MUC"), timeout=30)
    received: list[disruption_pb2.Disruption] = []
    ended = threading.Event()

    def consume() -> None:
        for reply in stream:
            received.append(reply.disruption)
        ended.set()  # a clean end of stream, no error

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    assert wait_until(lambda: running.service.writer.watching == 1, 5)
    delayed = report(running.stub, "ev-w1", L100, EstimateChange(departure=t(6, 20)), t(4, 0))
    assert {d.disruption_id for d in delayed.disruptions} == {f"DELAY:{L100}", f"DELAY:{L101}"}  # not via MUC
    report(running.stub, "ev-w2", L103, Cancellation("wx"), t(4, 0))  # MUC-FRA
    assert wait_until(lambda: len(received) >= 1, 10)
    assert [d.disruption_id for d in received] == [f"CANCELLATION:{L103}"]
    running.serving.close()  # the detector stops as on SIGTERM
    assert ended.wait(10), "stream did not end cleanly on server stop"
    detector.instances.remove(running)
    running.stop()


def test_watch_ends_when_the_client_cancels(detector) -> None:
    running = detector.start()
    stream = running.stub.WatchDisruptions(fss.WatchDisruptionsRequest(), timeout=30)
    assert wait_until(lambda: running.service.writer.watching == 1, 5)
    stream.cancel()
    assert wait_until(lambda: running.service.writer.watching == 0, 5), "watcher not released after cancel"


def test_rpcs_wait_for_kafka_acks_before_replying(detector) -> None:
    running = detector.start()
    load(running.stub, LEGS)
    report(running.stub, "ev-a", L101, EstimateChange(departure=t(7, 50) + timedelta(hours=2)), t(4))
    # No flush, no waiting: an OK reply means the versions are already on the topic.
    assert (f"DELAY:{L101}", 1) in detector.published()

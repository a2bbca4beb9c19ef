"""The writer's publishing: what a write hands to Kafka, in which order, and when it replies.

A fake producer records every message; no broker is needed.  A batch of events must give
the same disruption versions, in the same order, as the same events written one by one, and
each changed leg once, in its final state, never after a disruption of a later state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from rebook.detector import applied
from rebook.detector.metrics import DetectorMetrics
from rebook.detector.writer import DetectorWriter, PublishError, Topics
from rebook.domain.convert import disruption_from_proto, leg_from_proto
from rebook.flightops import Cancellation, EstimateChange, FlightEvent, FlightStateStore, Reinstatement
from rebook.runtime.kafka import TRACE_HEADER
from rebook.runtime.kafka_quirks import await_acks
from rebook.runtime.metrics import new_registry
from rebook.tooling.sim.generator.detector_day import make_day_schedule, make_event_stream
from rebook.v1 import disruption_pb2, flight_pb2
from tests.unit.flightops.flightops_helpers import event, rotation, t

L0, L1, L2, L3 = (x.leg_id for x in rotation())
TOPICS = Topics()


class FakeBatch:
    """What kafka-python's records of one produce request share."""

    def __init__(self) -> None:
        self.waits = 0


@dataclass
class FakeFuture:
    batch: FakeBatch
    error: Exception | None = None
    is_done: bool = True

    def failed(self) -> bool:
        return self.is_done and self.error is not None

    def get(self, timeout: float | None = None) -> None:
        self.batch.waits += 1
        if self.error is not None:
            raise self.error


@dataclass
class FakeProducer:
    """Records messages; every ``batch_size`` messages share one produce batch."""

    batch_size: int = 1_000_000
    fail: Exception | None = None
    sent: list[tuple[str, bytes, bytes, dict[str, bytes]]] = field(default_factory=list)
    batches: list[FakeBatch] = field(default_factory=list)

    def publish_raw(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> FakeFuture:
        if len(self.sent) % self.batch_size == 0:
            self.batches.append(FakeBatch())
        self.sent.append((topic, key, value, dict(headers)))
        return FakeFuture(self.batches[-1], self.fail)

    def await_acks(self, futures, timeout_s: float) -> None:
        await_acks(futures, timeout_s, batch_of=lambda future: future.batch)  # the runtime's, on fake batches

    def legs(self) -> list[tuple[flight_pb2.FlightLeg, dict[str, bytes]]]:
        out = []
        for topic, _, value, headers in self.sent:
            if topic == TOPICS.flights.name:
                message = flight_pb2.FlightLeg()
                message.ParseFromString(value)
                out.append((message, headers))
        return out

    def disruptions(self) -> list[disruption_pb2.Disruption]:
        out = []
        for topic, _, value, _ in self.sent:
            if topic == TOPICS.disruptions.name:
                message = disruption_pb2.Disruption()
                message.ParseFromString(value)
                out.append(message)
        return out


def writer(producer: FakeProducer, legs=None) -> DetectorWriter:
    w = DetectorWriter(FlightStateStore(), producer, DetectorMetrics(new_registry()), TOPICS, lambda: t(5))  # type: ignore[arg-type]
    w.load(legs if legs is not None else rotation())
    producer.sent.clear()
    return w


def estimate(leg_id: str, minutes_late: int, at_minute: int) -> FlightEvent:
    scheduled = {x.leg_id: x for x in rotation()}[leg_id].scheduled_arrival
    return event(leg_id, EstimateChange(arrival=scheduled + timedelta(minutes=minutes_late)), t(4, at_minute))


def test_batch_publishes_every_disruption_version_and_each_leg_once_in_its_final_state() -> None:
    events = [
        estimate(L0, 20, 1),  # knock-on delays along the rotation
        estimate(L0, 60, 2),  # the same legs again, further
        event(L2, Cancellation("crew"), t(4, 3)),
        estimate(L0, 30, 4),  # back a little: some predictions shrink or are withdrawn
        event(L2, Reinstatement(), t(4, 5)),
    ]
    one_by_one, batched = FakeProducer(), FakeProducer()
    w1, w2 = writer(one_by_one), writer(batched)
    for e in events:
        w1.apply([e], 0.0)
    w2.apply(events, 0.0)

    # Every disruption version, in the same order, byte for byte.
    assert [m.SerializeToString() for m in batched.disruptions()] == [
        m.SerializeToString() for m in one_by_one.disruptions()
    ]
    assert len(batched.disruptions()) > len({m.disruption_id for m in batched.disruptions()})

    # Each leg once, and its final state is the one the one-by-one writes ended with.
    sent_legs = [m.leg_id for m, _ in batched.legs()]
    assert len(sent_legs) == len(set(sent_legs)) < len(one_by_one.legs())
    last_one_by_one = {m.leg_id: (m, h) for m, h in one_by_one.legs()}
    for message, headers in batched.legs():
        expected_message, expected_headers = last_one_by_one[message.leg_id]
        assert message.SerializeToString() == expected_message.SerializeToString()
        assert headers == expected_headers  # trace = the last event that changed it, applied events
        assert leg_from_proto(message) == w2.store.get_leg(message.leg_id)
    assert set(last_one_by_one) == set(sent_legs)
    assert applied.decode(dict(batched.legs()[0][1])[applied.APPLIED_HEADER].decode())["estimate"][0] == (
        events[3].event_id
    )


def test_a_leg_goes_out_before_any_disruption_of_the_events_that_changed_it() -> None:
    producer = FakeProducer()
    events = [estimate(L0, 20, 1), estimate(L1, 40, 2), estimate(L0, 60, 3)]
    w = writer(producer)
    w.apply(events, 0.0)
    position = {}
    for index, (topic, key, _, _) in enumerate(producer.sent):
        if topic == TOPICS.flights.name:
            position.setdefault(key.decode(), index)
    changed_by = {e.event_id: {e.leg_id} for e in events}
    for index, (topic, _, _, headers) in enumerate(producer.sent):
        if topic == TOPICS.disruptions.name:
            trace = headers[TRACE_HEADER].decode()
            assert all(position[leg_id] < index for leg_id in changed_by[trace])


def test_the_bench_stream_in_batches_gives_the_same_topics_as_one_by_one() -> None:
    schedule = make_day_schedule(120, seed=3)
    events = make_event_stream(schedule, 600, seed=3)
    one_by_one, batched = FakeProducer(), FakeProducer()
    w1, w2 = writer(one_by_one, schedule), writer(batched, schedule)
    for e in events:
        w1.apply([e], 0.0)
    for start in range(0, len(events), 50):
        w2.apply(events[start : start + 50], 0.0)
    assert [m.SerializeToString() for m in batched.disruptions()] == [
        m.SerializeToString() for m in one_by_one.disruptions()
    ]
    final_one_by_one = {m.leg_id: m.SerializeToString() for m, _ in one_by_one.legs()}
    final_batched = {m.leg_id: m.SerializeToString() for m, _ in batched.legs()}
    assert final_batched == final_one_by_one  # what compaction keeps per leg
    versions = [(m.leg_id, m.version) for m, _ in batched.legs()]
    for leg_id in final_batched:  # per key, in version order
        mine = [v for k, v in versions if k == leg_id]
        assert mine == sorted(mine)
    restored = [disruption_from_proto(m) for m in batched.disruptions()]
    assert {d.disruption_id: d for d in restored} == {
        d.disruption_id: d for d in w1.store.disruptions(include_withdrawn=True)
    }


def test_a_write_waits_once_per_produce_batch_and_checks_every_message() -> None:
    producer = FakeProducer(batch_size=3)
    w = writer(producer)
    w.apply([estimate(L0, 60, 1)], 0.0)
    assert len(producer.sent) > 3
    assert [b.waits for b in producer.batches] == [1] * len(producer.batches)


def test_an_unacknowledged_message_fails_the_write_and_every_later_one() -> None:
    producer = FakeProducer(batch_size=2)
    w = writer(producer)
    failed = threading.Event()
    w.on_failure = failed.set
    producer.fail = TimeoutError("no ack")
    with pytest.raises(PublishError):
        w.apply([estimate(L0, 60, 1)], 0.0)
    assert failed.is_set()
    producer.fail = None
    with pytest.raises(PublishError):
        w.apply([estimate(L1, 60, 2)], 0.0)


def test_a_failed_message_inside_an_acknowledged_batch_still_fails_the_write() -> None:
    class OneBadMessage(FakeProducer):
        armed = False

        def publish_raw(self, topic, key, value, headers):
            future = super().publish_raw(topic, key, value, headers)
            if self.armed and len(self.sent) == 2:  # not the one the writer waits on
                future.error = ValueError("record too large")
            return future

    producer = OneBadMessage()
    w = writer(producer)
    producer.armed = True
    with pytest.raises(PublishError):
        w.apply([estimate(L0, 60, 1)], 0.0)

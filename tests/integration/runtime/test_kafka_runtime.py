"""The runtime's Kafka producer and consumer loop against the real broker."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

from kafka import KafkaProducer
from kafka.errors import KafkaConnectionError, KafkaTimeoutError

from rebook.runtime.kafka import ConsumerLoop, EventProducer, Record, ViewLoop, read_to_end
from rebook.runtime.kafka_quirks import JOIN_RETRIES
from rebook.runtime.metrics import new_registry
from rebook.v1 import flight_pb2
from tests.helpers.net import wait_until

PRODUCER_SCRIPT = textwrap.dedent(
    """
    import sys
    from rebook.runtime.kafka import EventProducer
    from rebook.runtime.metrics import new_registry
    from rebook.v1 import flight_pb2
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    producer = EventProducer(bootstrap, new_registry())
    for i in range(count):
        leg = flight_pb2.FlightLeg(leg_id=f"RB{i}-2026-11-23-FRA", carrier="RB", flight_number=str(i))
        producer.publish(topic, leg.leg_id, leg, trace_id=f"trace-{i}")
    producer.flush()
    producer.close()
    """
)


def _collector():
    seen: list[Record] = []
    lock = threading.Lock()

    def handle(record: Record) -> None:
        leg = record.decode(flight_pb2.FlightLeg)
        with lock:
            seen.append(record)
        assert leg is not None and leg.carrier == "RB"

    return seen, handle


def test_round_trip_between_two_processes(kafka_bootstrap, make_topic) -> None:
    topic = make_topic("roundtrip", partitions=3)
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    seen, handle = _collector()
    loop = ConsumerLoop(kafka_bootstrap, f"test-{topic.name}", [topic], handle, producer, registry)
    loop.start()
    try:
        command = [sys.executable, "-c", PRODUCER_SCRIPT, kafka_bootstrap, topic.name, "50"]
        subprocess.run(command, check=True, timeout=60)
        assert wait_until(lambda: len(seen) == 50, 30), f"got {len(seen)} of 50"
        keys = {record.key for record in seen}
        assert len(keys) == 50
        assert all(record.headers["rebook-type"] == "rebook.v1.FlightLeg" for record in seen)
        assert {record.trace_id for record in seen} == {f"trace-{i}" for i in range(50)}
    finally:
        loop.stop()
        producer.close()
    consumed = registry.get_sample_value(
        "rebook_kafka_messages_consumed_total", {"group": loop.group_id, "topic": topic.name}
    )
    assert consumed == 50


def test_poison_message_goes_to_dead_letter_topic_and_the_loop_goes_on(kafka_bootstrap, make_topic) -> None:
    topic, dead = make_topic("poison"), make_topic("poison-dlq")
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    good = flight_pb2.FlightLeg(leg_id="RB1-2026-11-23-FRA", carrier="RB")
    producer.publish(topic, "a", good)
    type_header = [("rebook-type", b"rebook.v1.FlightLeg")]
    producer.publish_raw(topic.name, b"b", b"\xff\xff\xff\xff not a protobuf", type_header)
    producer.publish(topic, "c", flight_pb2.FlightLeg(leg_id="RB3-2026-11-23-FRA", carrier="RB"))
    producer.flush()
    seen, handle = _collector()
    loop = ConsumerLoop(
        kafka_bootstrap, f"test-{topic.name}", [topic], handle, producer, registry, dead_letter_topic=dead
    )
    loop.start()
    try:
        assert wait_until(lambda: len(seen) == 2, 30)
        assert [record.key for record in seen] == ["a", "c"]
        dead_letters = list(read_to_end(kafka_bootstrap, [dead]))
        assert len(dead_letters) == 1
        assert dead_letters[0].key == "b"
        assert dead_letters[0].value.startswith(b"\xff\xff")
        assert "PoisonMessageError" in dead_letters[0].headers["rebook-error"]
        assert dead_letters[0].headers["rebook-source"] == f"{topic.name}/0/1"
    finally:
        loop.stop()
        producer.close()
    assert (
        registry.get_sample_value("rebook_kafka_dead_letters_total", {"group": loop.group_id, "topic": topic.name}) == 1
    )


def test_committed_offsets_survive_a_restart(kafka_bootstrap, make_topic) -> None:
    topic = make_topic("restart")
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    for key in ("a", "b"):
        producer.publish(topic, key, flight_pb2.FlightLeg(leg_id=key, carrier="RB"))
    producer.flush()
    group = f"test-{topic.name}"
    first, handle = _collector()
    loop = ConsumerLoop(kafka_bootstrap, group, [topic], handle, producer, new_registry())
    loop.start()
    assert wait_until(lambda: len(first) == 2, 30)
    loop.stop()
    producer.publish(topic, "c", flight_pb2.FlightLeg(leg_id="c", carrier="RB"))
    producer.flush()
    second, handle = _collector()
    loop = ConsumerLoop(kafka_bootstrap, group, [topic], handle, producer, new_registry())
    loop.start()
    try:
        assert wait_until(lambda: len(second) == 1, 30)
        assert [record.key for record in second] == ["c"]
    finally:
        loop.stop()
        producer.close()


def test_read_to_end_rebuilds_latest_state_from_a_compacted_topic(kafka_bootstrap, make_topic) -> None:
    topic = make_topic("state", partitions=2, compacted=True)
    producer = EventProducer(kafka_bootstrap, new_registry())
    for version in (1, 2, 3):
        producer.publish(topic, "leg-1", flight_pb2.FlightLeg(leg_id="leg-1", version=version))
    producer.publish(topic, "leg-2", flight_pb2.FlightLeg(leg_id="leg-2", version=1))
    producer.publish(topic, "leg-2", None)  # tombstone
    producer.flush()
    producer.close()
    latest: dict[str, int | None] = {}
    for record in read_to_end(kafka_bootstrap, [topic]):
        leg = record.decode(flight_pb2.FlightLeg)
        latest[record.key] = leg.version if leg else None
    assert latest == {"leg-1": 3, "leg-2": None}


def test_read_to_end_since_a_time_starts_at_the_first_record_stamped_then(kafka_bootstrap, make_topic) -> None:
    topic = make_topic("since", partitions=1)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for key, at_ms in (("a", 1_000), ("b", 2_000), ("c", 5_000), ("d", 6_000), ("e", 1_500)):
        producer.send(topic.name, key=key.encode(), value=key.encode(), timestamp_ms=at_ms)
    producer.send(topic.name, key=b"f", value=None, timestamp_ms=7_000)  # a tombstone, still a record
    producer.flush()
    producer.close()
    since = [r.key for r in read_to_end(kafka_bootstrap, [topic], since_ms=5_000)]
    assert since == ["c", "d", "e", "f"]  # from "c" on, in offset order: "e" came later with an older stamp
    assert [r.key for r in read_to_end(kafka_bootstrap, [topic])] == ["a", "b", "c", "d", "e", "f"]
    assert list(read_to_end(kafka_bootstrap, [topic], since_ms=8_000)) == []  # nothing that late


def test_a_view_sync_returns_once_everything_published_before_it_was_handled(kafka_bootstrap, make_topic) -> None:
    """Read your writes: UpsertBookings asks the flights view to reach the topic's end before it
    calls a leg unknown.  The handler is slow, so the records are not all handled by chance."""
    topic = make_topic("view-sync", partitions=2, compacted=True)
    producer = EventProducer(kafka_bootstrap, new_registry())
    seen, collect = _collector()

    def slow(record: Record) -> None:
        time.sleep(0.1)
        collect(record)

    loop = ViewLoop(kafka_bootstrap, "view-sync", [topic], slow, producer, new_registry())
    loop.start()
    try:
        assert loop.caught_up.wait(30)
        for i in range(8):
            producer.publish(topic, f"leg-{i}", flight_pb2.FlightLeg(leg_id=f"leg-{i}", carrier="RB"))
        producer.flush()
        assert loop.sync(topic.name, 20)
        assert len(seen) == 8
        assert loop.sync(topic.name, 5)  # nothing new: answered at the next poll
    finally:
        loop.stop()
        producer.close()


def test_every_view_loop_sees_every_partition_and_reports_catch_up(kafka_bootstrap, make_topic) -> None:
    topic = make_topic("view", partitions=3, compacted=True)
    producer = EventProducer(kafka_bootstrap, new_registry())
    for i in range(30):
        producer.publish(topic, f"leg-{i}", flight_pb2.FlightLeg(leg_id=f"leg-{i}", carrier="RB"))
    producer.flush()
    views = []
    for name in ("instance-a", "instance-b"):
        seen, handle = _collector()
        loop = ViewLoop(kafka_bootstrap, name, [topic], handle, producer, new_registry())
        loop.start()
        views.append((seen, loop))
    try:
        for seen, loop in views:
            assert loop.caught_up.wait(30)
            assert len(seen) == 30
        producer.publish(topic, "leg-new", flight_pb2.FlightLeg(leg_id="leg-new", carrier="RB"))
        producer.flush()
        for seen, _ in views:
            assert wait_until(lambda seen=seen: len(seen) == 31, 30)
    finally:
        for _, loop in views:
            loop.stop()
        producer.close()


def _stall_first_poll(loop) -> threading.Event:
    """Makes the loop's current consumer block in poll, as kafka-python 3.0.12 sometimes does."""
    release = threading.Event()
    loop._consumer.poll = lambda *args, **kwargs: release.wait(60) and {}
    return release


def test_a_stalled_poll_is_replaced_by_a_fresh_consumer(kafka_bootstrap, make_topic) -> None:
    topic = make_topic("stall", partitions=2)
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    producer.publish(topic, "a", flight_pb2.FlightLeg(leg_id="a", carrier="RB"))
    producer.flush()
    seen, handle = _collector()
    group = f"test-{topic.name}"
    loop = ConsumerLoop(kafka_bootstrap, group, [topic], handle, producer, registry, stall_s=2)
    release = _stall_first_poll(loop)
    view_seen, view_handle = _collector()
    view = ViewLoop(kafka_bootstrap, "view-stall", [topic], view_handle, producer, registry, stall_s=2)
    view_release = _stall_first_poll(view)
    loop.start()
    view.start()
    try:
        assert wait_until(lambda: len(seen) == 1 and len(view_seen) == 1, 30)
        assert registry.get_sample_value("rebook_kafka_consumer_stalls_total", {"group": group}) == 1
        assert view.caught_up.is_set()
    finally:
        release.set()
        view_release.set()
        loop.stop()
        view.stop()
        producer.close()


def test_a_member_left_without_partitions_rejoins_a_bounded_number_of_times(
    kafka_bootstrap, make_topic, monkeypatch
) -> None:
    """The join retries tests used to do by hand (kafka-python can finish a join with nothing
    assigned) are the loop's own, and bounded: a member of a group with more members than
    partitions rightly has none, so it is not replaced forever."""
    monkeypatch.setattr("rebook.runtime.kafka.consumer.JOIN_STALL_S", 1.0)
    topic = make_topic("join", partitions=1)
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    seen, handle = _collector()
    group = f"test-{topic.name}"
    # The range assignor gives the one partition to the member whose id sorts first, and a
    # member id starts with its client id: so the owner keeps it and the newcomer has none.
    owner = ConsumerLoop(kafka_bootstrap, group, [topic], handle, producer, registry, client_id="a-owner")
    owner.start()
    assert owner.ready.wait(30)
    idle_registry = new_registry()
    idle = ConsumerLoop(kafka_bootstrap, group, [topic], handle, producer, idle_registry, client_id="b-idle")

    def replaced() -> float | None:
        return idle_registry.get_sample_value("rebook_kafka_consumer_stalls_total", {"group": group})

    idle.start()
    try:
        assert wait_until(lambda: replaced() == JOIN_RETRIES, 30)
        time.sleep(3)  # past another JOIN_STALL_S: no third replacement
        assert replaced() == JOIN_RETRIES
        producer.publish(topic, "a", flight_pb2.FlightLeg(leg_id="a", carrier="RB"))
        producer.flush()
        assert wait_until(lambda: len(seen) == 1, 30)  # one of the two has the partition and consumes
    finally:
        idle.stop()
        owner.stop()
        producer.close()


def _publish_leg(producer: EventProducer, topic, leg_id: str) -> None:
    producer.publish(topic, leg_id, flight_pb2.FlightLeg(leg_id=leg_id, carrier="RB"))
    producer.flush()


def test_the_watchdog_outlives_a_broker_it_cannot_reach_yet(kafka_bootstrap, make_topic) -> None:
    """A stall is often the start of an outage: a fresh consumer cannot be made until the broker
    is back.  The watchdog keeps trying (it used to die, leaving the loop without a consumer)."""
    topic = make_topic("recreate", partitions=1)
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    seen, handle = _collector()
    loop = ConsumerLoop(kafka_bootstrap, f"test-{topic.name}", [topic], handle, producer, registry, stall_s=1)
    loop.start()
    make, refusals, release = loop._new_consumer, [], threading.Event()

    def new_consumer_once_the_broker_is_back():
        if len(refusals) < 2:
            refusals.append(1)
            raise KafkaConnectionError("Unable to bootstrap")
        return make()

    try:
        _publish_leg(producer, topic, "a")
        assert wait_until(lambda: len(seen) == 1, 30)  # a member with partitions: no rejoin retries
        loop._new_consumer = new_consumer_once_the_broker_is_back
        release = _stall_first_poll(loop)
        assert wait_until(lambda: refusals, 30)  # stalled, and the broker "away"
        _publish_leg(producer, topic, "b")
        assert wait_until(lambda: len(seen) == 2, 30), f"refused {len(refusals)} times, consumed {len(seen)}"
        assert len(refusals) == 2
    finally:
        release.set()
        loop.stop()
        producer.close()


def test_a_loop_whose_thread_crashed_is_started_again(kafka_bootstrap, make_topic) -> None:
    """Outside a poll (which the stall timeout covers): a client call failing mid-outage."""
    topic = make_topic("crash", partitions=1)
    registry = new_registry()
    producer = EventProducer(kafka_bootstrap, registry)
    seen, handle = _collector()
    view = ViewLoop(kafka_bootstrap, "view-crash", [topic], handle, producer, registry, stall_s=120)
    after_poll, crashes = view._after_poll, []

    def after_poll_failing_once(had_records: bool) -> None:
        if had_records and not crashes:
            crashes.append(1)
            raise KafkaTimeoutError("Failed to get offsets")
        after_poll(had_records)

    view._after_poll = after_poll_failing_once
    view.start()
    try:
        _publish_leg(producer, topic, "a")
        assert wait_until(lambda: len(seen) == 1 and crashes, 30)
        _publish_leg(producer, topic, "b")
        assert wait_until(lambda: len(seen) >= 2, 30)
        assert registry.get_sample_value("rebook_kafka_consumer_stalls_total", {"group": "view-crash"}) == 1
    finally:
        view.stop()
        producer.close()

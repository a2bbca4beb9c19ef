"""A garbage record on every topic, the notifier's state topic included: all four services
start and serve, each poison record is dead-lettered once (not again on the next start), and a
cancellation still reaches every affected booking as an offer."""

from __future__ import annotations

import pytest

from rebook.runtime.kafka import CONSUMER_HEADER, SOURCE_HEADER, TYPE_HEADER, EventProducer, read_to_end
from rebook.runtime.metrics import new_registry
from rebook.runtime.topics import (
    BOOKINGS,
    DEAD_LETTER,
    DISRUPTIONS,
    FLIGHTS,
    NOTIFICATIONS,
    OFFERS,
    PROXIMITY,
)
from rebook.tooling.launch import LocalCluster
from rebook.tooling.sim.generator.cancelled_flights import make_network
from tests.faults.world import Namespace, publish_cancellations, publish_world, wait_sound
from tests.helpers.net import wait_until

pytestmark = pytest.mark.faults

GARBAGE = b"\x0a\xff\xff\xff\xff\x0f"  # a length-delimited field whose length never ends
POISONED = (FLIGHTS, BOOKINGS, PROXIMITY, OFFERS, DISRUPTIONS, NOTIFICATIONS)
KEYS = {NOTIFICATIONS.name: "n/poison", DISRUPTIONS.name: "RB"}
# Live consumers (not views restored at start-up) reach a poisoned partition only when they get
# to it: a sound plan does not prove they have, so the first run waits for their dead letters.
LIVE_READERS = {OFFERS.name: "notifier", DISRUPTIONS.name: "optimizer"}


def _poison(bootstrap: str, ns: Namespace) -> set[str]:
    """One undecodable record per topic (plus one with a wrong type header); their sources."""
    producer = EventProducer(bootstrap, new_registry())
    sources = set()
    try:
        for spec in POISONED:
            key = KEYS.get(spec.name, "poison").encode()
            for headers in ([], [(TYPE_HEADER, b"rebook.v1.Nonsense")]):
                meta = producer.publish_raw(ns[spec].name, key, GARBAGE, headers).get(timeout=30)
                sources.add(f"{ns[spec].name}/{meta.partition}/{meta.offset}")
    finally:
        producer.close()
    return sources


def _dead_letters(bootstrap: str, ns: Namespace) -> list[tuple[str, str]]:
    """(source record, consumer that failed on it) of every dead letter."""
    records = read_to_end(bootstrap, [ns[DEAD_LETTER]])
    return [(r.headers.get(SOURCE_HEADER, ""), r.headers.get(CONSUMER_HEADER, "")) for r in records]


def test_poison_on_every_topic_is_dead_lettered_once_and_work_goes_on(kafka_bootstrap, tmp_path) -> None:
    ns = Namespace.create(kafka_bootstrap)
    poison = _poison(kafka_bootstrap, ns)
    network = make_network(seed=11, cancelled=2, bookings_per_leg=20)
    publish_world(kafka_bootstrap, ns, network)
    with LocalCluster(kafka_bootstrap, tmp_path / "first", env=ns.env()):  # start-up alone proves the restores
        publish_cancellations(kafka_bootstrap, ns, network)
        found, _ = wait_sound(kafka_bootstrap, ns, network)
        assert found.sound, found
        live = {
            (source, ns.prefix + reader)
            for topic, reader in LIVE_READERS.items()
            for source in poison
            if source.startswith(ns.topics[topic].name + "/")
        }
        assert len(live) == 2 * len(LIVE_READERS)
        assert wait_until(lambda: live <= set(_dead_letters(kafka_bootstrap, ns)), timeout_s=60), (
            "a live consumer never dead-lettered the poison on its topic"
        )
    first = _dead_letters(kafka_bootstrap, ns)
    sources = {source for source, _ in first}
    notifier_state = {s for s in poison if s.startswith(ns[NOTIFICATIONS].name)}
    offers = {s for s in poison if s.startswith(ns[OFFERS].name)}
    assert notifier_state & sources, "the notifier's state poison was not dead-lettered"
    assert offers <= sources and {s for s in poison if s.startswith(ns[BOOKINGS].name)} <= sources
    assert len(first) == len(set(first)), "a consumer dead-lettered a poison record twice"
    with LocalCluster(kafka_bootstrap, tmp_path / "second", env=ns.env()):
        pass  # every view re-reads its topics from the beginning and meets the poison again
    again = _dead_letters(kafka_bootstrap, ns)
    print(
        f"[faults] poison: {len(poison)} records on {len(POISONED)} topics, {len(first)} dead letters, "
        f"{len(again)} after a restart"
    )
    assert again == first, "dead letters were sent again on restart"

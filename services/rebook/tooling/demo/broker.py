"""What the demo asks the broker: this run's messages on a topic, whether the optimizer's and
the notifier's consumer groups are done (quiescence), and its own groups' set-up and clean-up."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterable
from contextlib import suppress

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from rebook.runtime.kafka import read_to_end
from rebook.runtime.topics import DISRUPTIONS, OFFERS, TopicSpec
from rebook.tooling.launch import LocalCluster

QUIET_S = 3.0  # no notification for this long (and nothing left to consume) = quiescent


def read_since(bootstrap: str, topic: TopicSpec, since_ms: int, timeout_s: float = 120.0) -> list[bytes]:
    """Values of ``topic`` from each partition's first record stamped at or after ``since_ms`` up
    to its current end, without a consumer group (tombstones left out)."""
    records = read_to_end(bootstrap, [topic], timeout_s=timeout_s, since_ms=since_ms)
    return [record.value for record in records if record.value is not None]


def committed_lag(admin: KafkaAdminClient, consumer: KafkaConsumer, group: str, topic: str) -> int | None:
    """Records of ``topic`` that ``group`` has not committed yet (None: the broker did not say)."""
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        end = consumer.end_offsets(parts)
        committed = admin.list_group_offsets({group: parts}).get(group, {})
    except Exception:  # a transient broker hiccup: not settled yet
        return None
    lag = 0
    for tp in parts:
        done = committed.get(tp)
        offset = done.offset if done is not None and done.offset >= 0 else 0
        lag += max(0, end.get(tp, 0) - offset)
    return lag


class Quiescence:
    """Nothing left to do: the optimizer's group has committed every disruption, the
    notifier's group every offer, and no notification arrived for ``QUIET_S``."""

    def __init__(self, bootstrap: str, group_prefix: str) -> None:
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
        self.pairs = {
            "optimizer": (f"{group_prefix}.optimizer", DISRUPTIONS.name),
            "notifier": (f"{group_prefix}.notifier", OFFERS.name),
        }
        self.lag: dict[str, int | None] = {"optimizer": None, "notifier": None}
        self._settled = 0

    def check(self, idle_s: float) -> bool:
        for name, (group, topic) in self.pairs.items():
            self.lag[name] = committed_lag(self.admin, self.consumer, group, topic)
        settled = idle_s >= QUIET_S and all(v == 0 for v in self.lag.values())
        self._settled = self._settled + 1 if settled else 0
        return self._settled >= 2  # twice in a row, a second apart

    def close(self) -> None:
        with suppress(Exception):
            self.consumer.close(autocommit=False)
        with suppress(Exception):
            self.admin.close()


def start_groups_at_end(bootstrap: str, groups_topics: Iterable[tuple[str, str]]) -> None:
    """Commits each new group's offsets at the topic's current end, so services started with
    a fresh group prefix handle this run's messages only (not the topic's whole history)."""
    for group, topic in groups_topics:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        try:
            parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
            consumer.assign(parts)
            consumer.seek_to_end(*parts)
            for tp in parts:
                consumer.position(tp)
            consumer.commit()
        finally:
            consumer.close(autocommit=False)


def joined(bootstrap: str, groups: list[str]) -> dict[str, bool]:
    """Per group: does it have a member with partitions assigned (so the service consumes)?"""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        described = admin.describe_groups(groups)
    finally:
        admin.close()
    out = {}
    for group in groups:
        info = described.get(group) or {}
        members = info.get("members") or []
        out[group] = info.get("group_state") == "Stable" and any(
            (m.get("member_assignment") or {}).get("assigned_partitions") for m in members
        )
    return out


def delete_groups(bootstrap: str, groups: list[str]) -> None:
    with suppress(Exception):
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        try:
            admin.delete_groups(groups)
        finally:
            admin.close()


def wait_consumers(
    cluster: LocalCluster, bootstrap: str, group_prefix: str, log: Callable[[str], None], timeout_s: float = 45.0
) -> None:
    """Until the optimizer and the notifier have joined their consumer groups.  kafka-python
    occasionally never joins (the consumer spins finding the coordinator while the service
    rebuilds its views on a busy machine); such a service is restarted once."""
    groups = {f"{group_prefix}.optimizer": "optimizer", f"{group_prefix}.notifier": "notifier"}
    restarted: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            state = joined(bootstrap, list(groups))
        except Exception:
            state = dict.fromkeys(groups, False)
        missing = [groups[g] for g, ok in state.items() if not ok]
        if not missing:
            return
        if time.monotonic() > deadline:
            again = [name for name in missing if name not in restarted]
            if not again:
                raise RuntimeError(f"{', '.join(missing)} never joined its Kafka consumer group")
            for name in again:
                log(f"services: {name} has not joined its consumer group after {timeout_s:.0f}s; restarting it")
                _restart(cluster, name)
                restarted.add(name)
            deadline = time.monotonic() + timeout_s
        time.sleep(0.5)


def _restart(cluster: LocalCluster, name: str) -> None:
    service = cluster.services[name]
    assert service.process is not None
    service.process.terminate()
    try:
        service.process.wait(20)
    except subprocess.TimeoutExpired:
        service.process.kill()
        service.process.wait()
    cluster.restart(name, env=service.env, timeout_s=120)

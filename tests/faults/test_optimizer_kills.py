"""The optimizer as a real process, killed with SIGKILL before, during and after publishing a
batch of offers and during a consumer rebalance: after it (or its peer) comes back, the topics
must show every affected booking with a current offer, no seat held twice, no hold on a
cancelled leg and no offer version published twice."""

from __future__ import annotations

import subprocess
import time

import pytest

from rebook.tooling.launch import LocalCluster
from rebook.tooling.sim.generator.cancelled_flights import make_network
from tests.faults.world import (
    Namespace,
    figures,
    publish_cancellations,
    publish_world,
    read_offers,
    wait_sound,
)

pytestmark = pytest.mark.faults

BATCH_OFFERS = 160  # one offer per affected booking in the first batch (4 legs x 40 bookings)


def _cluster(kafka_bootstrap: str, tmp_path, ns: Namespace, **env: str) -> LocalCluster:
    return LocalCluster(kafka_bootstrap, tmp_path, env={**ns.env(), **env}, only=("optimizer",))


def _wait_exit(cluster: LocalCluster, name: str, timeout_s: float = 60.0) -> int:
    process = cluster.services[name].process
    assert process is not None
    return process.wait(timeout_s)


def _report(label: str, found, recover_s: float) -> None:
    print(
        f"[faults] {label}: offered {found.offered}/{found.affected} affected bookings "
        f"({found.with_seat} with a seat), seats double-held {found.double_held}, holds on unusable legs "
        f"{found.unusable_holds}, duplicates {found.duplicates}, recovered in {recover_s:.1f}s"
    )


@pytest.mark.parametrize(
    "kill_after", [0, 37, 10_000], ids=["before-publishing", "during-publishing", "after-publishing"]
)
def test_a_killed_optimizer_completes_its_batch_on_restart(kafka_bootstrap, tmp_path, kill_after: int) -> None:
    ns = Namespace.create(kafka_bootstrap)
    network = make_network(seed=kill_after)
    publish_world(kafka_bootstrap, ns, network)
    cluster = _cluster(kafka_bootstrap, tmp_path, ns, REBOOK_FAULT_KILL_AFTER_OFFERS=str(kill_after))
    with cluster:
        publish_cancellations(kafka_bootstrap, ns, network)
        assert _wait_exit(cluster, "optimizer") == -9  # it killed itself at the injection point
        at_kill = figures(read_offers(kafka_bootstrap, ns), network)
        assert at_kill.offer_records <= min(kill_after, BATCH_OFFERS)
        if kill_after < BATCH_OFFERS:
            assert not at_kill.sound  # the fault really left the batch half done
        started = time.monotonic()
        cluster.restart("optimizer", env={"REBOOK_FAULT_KILL_AFTER_OFFERS": ""})  # this time without the fault
        found, _ = wait_sound(kafka_bootstrap, ns, network)
        recover_s = time.monotonic() - started
        time.sleep(2.0)  # nothing more may come: no re-sent versions
        found = figures(read_offers(kafka_bootstrap, ns), network)
        _report(f"kill {cluster.services['optimizer'].name} after {kill_after} offers", found, recover_s)
        assert found.sound, found
        assert found.with_seat == found.affected  # the later flights have room for everyone


def test_killing_an_optimizer_during_a_rebalance_loses_nothing(kafka_bootstrap, tmp_path) -> None:
    ns = Namespace.create(kafka_bootstrap)
    network = make_network(seed=99)
    publish_world(kafka_bootstrap, ns, network)
    cluster = _cluster(kafka_bootstrap, tmp_path, ns, REBOOK_FAULT_KILL_AFTER_OFFERS="37")
    with cluster:
        # A second member joins (the group rebalances) as the disruptions arrive; whichever member
        # gets the carrier's partition first: the first one dies mid-batch, the second must finish.
        cluster.add("optimizer-2", "optimizer", env={"REBOOK_FAULT_KILL_AFTER_OFFERS": ""}, wait=False)
        publish_cancellations(kafka_bootstrap, ns, network)
        try:
            _wait_exit(cluster, "optimizer", timeout_s=20)
        except subprocess.TimeoutExpired:  # the newcomer took the partition: kill the other anyway
            cluster.kill("optimizer")
        started = time.monotonic()
        cluster.wait_serving(60, ["optimizer-2"])
        found, _ = wait_sound(kafka_bootstrap, ns, network)
        recover_s = time.monotonic() - started
        time.sleep(2.0)
        found = figures(read_offers(kafka_bootstrap, ns), network)
        _report("kill optimizer during a rebalance", found, recover_s)
        assert found.sound, found

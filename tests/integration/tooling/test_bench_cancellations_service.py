"""``rebook bench cancellations --service`` end to end on the shared broker: a small scenario
shifted to now and published, the real optimizer process restoring its views from it, a few
flights cancelled at once, and every offer the service says it published read back from the
offers topic — then the run's topics and consumer group gone again."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient

from rebook.tooling.bench import cancellations as bench_cancellations
from rebook.tooling.sim.scenario_cli import write_generated

pytestmark = pytest.mark.integration


def test_offers_on_the_topic_are_the_ones_the_service_published(kafka_bootstrap, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "scenario"
    write_generated(folder, seed=2, size="small")
    args = argparse.Namespace(
        scenario=folder,
        flights=3,
        hub=None,
        at=None,
        json=True,
        service=True,
        bootstrap=kafka_bootstrap,
        lead=timedelta(seconds=5),
        timeout=40.0,
    )
    assert bench_cancellations.run(args) == 0
    result = json.loads(capsys.readouterr().out)

    assert result["cancelled"] == 3 and result["service_batches"] == 1
    assert result["offers"] > 0 and result["offers"] == result["service_offers"]
    assert result["offered_bookings"] == result["service_bookings_affected"] > 0
    assert result["dead_letters"] == 0
    assert result["legs"] > 0 and result["bookings"] > 1000 and result["views_s"] >= result["start_s"] > 0
    assert 0 < result["batch_s"] <= result["done_s"]
    assert result["peak_rss_mb"] >= result["rss_mb"] > 0
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        prefix = result["topic_prefix"]
        assert not [t for t in admin.list_topics() if t.startswith(prefix)]
        assert not [g for g in admin.list_groups() if g["group_id"].startswith(prefix)]
    finally:
        admin.close()

"""``rebook topics``, the deployment's one-shot step: it creates the declared topics that the
cluster lacks, as declared, and a second run creates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from kafka.admin import KafkaAdminClient

from rebook.runtime.topics import ALL_TOPICS


def _topics(bootstrap: str, prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REBOOK_KAFKA_BOOTSTRAP": bootstrap, "REBOOK_TOPIC_PREFIX": prefix}
    return subprocess.run(
        [sys.executable, "-m", "rebook.cli", "topics"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_topics_creates_the_declared_topics_once(kafka_bootstrap: str) -> None:
    prefix = f"topics-cli.{uuid.uuid4().hex[:8]}."
    expected = {prefix + spec.name: spec for spec in ALL_TOPICS}
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        first = _topics(kafka_bootstrap, prefix)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == f"Kafka at {kafka_bootstrap}: created topics: {', '.join(sorted(expected))}"
        described = admin.describe_topics(sorted(expected))
        assert {topic["name"]: len(topic["partitions"]) for topic in described} == {
            name: spec.partitions for name, spec in expected.items()
        }
        again = _topics(kafka_bootstrap, prefix)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == f"Kafka at {kafka_bootstrap}: created topics: none (all exist)"
    finally:
        admin.delete_topics([name for name in expected if name in set(admin.list_topics())])
        admin.close()

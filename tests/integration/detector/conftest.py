"""Fixture: a real detector over throwaway topics of the real broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rebook.detector.writer import Topics
from tests.integration.detector.detector_fixtures import Detector


@pytest.fixture
def detector(kafka_bootstrap, make_topic) -> Iterator[Detector]:
    topics = Topics(make_topic("flights", 3, compacted=True), make_topic("disruptions", 3))
    harness = Detector(kafka_bootstrap, topics)
    yield harness
    for running in harness.instances:
        running.stop()

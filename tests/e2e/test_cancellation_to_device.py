"""All four services as separate processes over the real broker: a cancellation reported to
the detector reaches every subscribed passenger's device as an offer, once, and an answer
changes the held seats and reaches the device as the next offer version."""

from __future__ import annotations

import uuid

import pytest

from rebook.tooling.bench.e2e import run_e2e

pytestmark = pytest.mark.e2e


def test_cancelled_flight_reaches_every_subscribed_passenger_once(kafka_bootstrap, tmp_path) -> None:
    result = run_e2e(30, kafka_bootstrap, tmp_path, seed=7, topic_prefix=f"e2e{uuid.uuid4().hex[:8]}.")
    print(result)
    assert result["delivered"] == result["passengers"] == 30
    assert result["with_held_itinerary"] == 30
    assert result["duplicates"] == 0
    assert result["answer"]["status"] == "OFFER_STATUS_ACCEPTED"
    assert result["answer"]["device_saw_new_version"]
    assert result["exit_codes"] == {"detector": 0, "locator": 0, "optimizer": 0, "notifier": 0}

"""Engine decisions stand only once Kafka has their offers; those it did acknowledge stay, so a
retry of the batch sends only the rest (never the same offer version twice)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from kafka.errors import KafkaTimeoutError

from rebook.optimizer.offers import Offer
from rebook.optimizer.servicer import decide_and_publish
from rebook.runtime.kafka import NotAcknowledged
from tests.unit.optimizer_service.conftest import NOW, cancellation


class Topic:
    """Acknowledges the first ``accept`` offers of each publish, then none (an outage)."""

    def __init__(self, accept: int) -> None:
        self.accept = accept
        self.offers: list[Offer] = []

    def publish(self, _deps: object, offers: list[Offer]) -> None:
        self.offers += offers[: self.accept]
        if len(offers) > self.accept:
            acknowledged = [i < self.accept for i in range(len(offers))]
            raise NotAcknowledged(KafkaTimeoutError("broker away"), acknowledged)


def test_a_retry_after_a_partly_acknowledged_batch_sends_only_the_rest(network) -> None:
    engine, cancelled, _ = network
    deps = SimpleNamespace(engine=engine)
    topic = Topic(accept=1)
    disruption = cancellation(cancelled.leg_id)
    with pytest.raises(NotAcknowledged):
        decide_and_publish(deps, lambda: list(engine.handle([disruption], NOW).offers), topic.publish)
    assert [o.offer_id for o in engine.offers.values()] == [topic.offers[0].offer_id]  # only what Kafka has
    topic.accept = 10
    later = NOW + timedelta(seconds=30)
    decide_and_publish(deps, lambda: list(engine.handle([disruption], later).offers), topic.publish)
    versions = [(o.offer_id, o.version) for o in topic.offers]
    assert len(versions) == len(set(versions)) == 2  # each booking's offer once
    assert {o.record_locator for o in topic.offers} == {"AAAAA1", "BBBBB2"}


def test_nothing_acknowledged_changes_nothing(network) -> None:
    engine, cancelled, _ = network
    with pytest.raises(NotAcknowledged):
        decide_and_publish(
            SimpleNamespace(engine=engine),
            lambda: list(engine.handle([cancellation(cancelled.leg_id)], NOW).offers),
            Topic(accept=0).publish,
        )
    assert engine.offers == {} and engine.holds_in_use() == {}

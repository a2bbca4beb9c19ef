from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rebook.domain.errors import NotFoundError
from rebook.notifier.core.auth import Scope
from rebook.notifier.core.channels import Route
from rebook.notifier.core.store import Entry, NotificationStore, OfferFacts
from tests.unit.notifier.notifier_helpers import T0

MIN = timedelta(minutes=1)


def facts(offer: str = "off-1", version: int = 1, passengers=("pax-1",), carrier: str = "RB") -> OfferFacts:
    return OfferFacts(offer, version, carrier, tuple(passengers), T0)


def test_one_notification_per_offer_version_per_passenger() -> None:
    store = NotificationStore(timedelta(hours=1))
    made = store.add(facts(passengers=("pax-1", "pax-2", "pax-1")), "payload", T0)
    assert [entry.notification_id for entry in made] == ["off-1:1:pax-1", "off-1:1:pax-2"]
    assert store.add(facts(passengers=("pax-1", "pax-2")), "payload", T0 + MIN) == []
    assert len(store) == 2


def test_replayed_or_older_versions_make_nothing_newer_ones_do() -> None:
    store = NotificationStore(timedelta(hours=1))
    store.add(facts(version=2), None, T0)
    assert store.add(facts(version=1), None, T0) == []
    assert store.add(facts(version=2), None, T0) == []
    assert [entry.version for entry in store.add(facts(version=3), None, T0)] == [3]


def test_dedupe_outlives_retention() -> None:
    store = NotificationStore(timedelta(hours=1))
    store.add(facts(), None, T0)
    expired = store.purge(T0 + timedelta(hours=2))
    assert [entry.notification_id for entry in expired] == ["off-1:1:pax-1"]
    assert len(store) == 0
    assert store.add(facts(), None, T0 + timedelta(hours=2)) == []


def test_restore_remembers_versions_and_keeps_state() -> None:
    store = NotificationStore(timedelta(hours=1))
    delivered = Entry("off-1:4:pax-1", "pax-1", "off-1", 4, "RB", T0, T0, None, deliver_time=T0 + MIN)
    store.restore(delivered)
    assert store.add(facts(version=4), None, T0) == []
    assert store.pending(Scope(), Route.STREAM) == []
    assert store.get("off-1:4:pax-1").deliver_time == T0 + MIN


def test_pending_in_order_by_scope_and_route() -> None:
    store = NotificationStore(timedelta(hours=1))
    for version in (1, 2, 3):
        store.add(facts(version=version, passengers=("pax-1", "pax-2")), None, T0)
    store.add(facts(offer="off-9", carrier="XX", passengers=("pax-1",)), None, T0)
    store.mark_delivered("off-1:2:pax-1", T0)
    mine = store.pending(Scope(passenger_id="pax-1", carriers=frozenset({"RB"})), Route.STREAM)
    assert [entry.notification_id for entry in mine] == ["off-1:1:pax-1", "off-1:3:pax-1"]
    assert len(store.pending(Scope(carriers=frozenset({"XX"})), Route.STREAM)) == 1
    assert store.pending(Scope(), Route.WEBHOOK) == []


def test_delivery_is_marked_once_and_acknowledgement_implies_delivery() -> None:
    store = NotificationStore(timedelta(hours=1))
    store.add(facts(passengers=("pax-1", "pax-2")), None, T0)
    assert store.mark_delivered("off-1:1:pax-1", T0 + MIN)
    assert not store.mark_delivered("off-1:1:pax-1", T0 + 2 * MIN)
    assert not store.mark_delivered("unknown", T0)
    acked = store.acknowledge("off-1:1:pax-2", T0 + 3 * MIN)
    assert acked.deliver_time == acked.acknowledge_time == T0 + 3 * MIN
    assert not acked.pending
    with pytest.raises(NotFoundError):
        store.acknowledge("nope", T0)


def test_dead_notifications_are_not_pending() -> None:
    store = NotificationStore(timedelta(hours=1))
    (entry,) = store.add(facts(), None, T0)
    store.mark_dead(entry.notification_id)
    assert not entry.pending and store.pending(Scope(), Route.STREAM) == []


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(1, 6), st.sampled_from(["p1", "p2"]))))
def test_any_sequence_of_offers_notifies_each_version_at_most_once_in_increasing_order(events) -> None:
    store = NotificationStore(timedelta(hours=1))
    made: list[Entry] = []
    for offer, version, passenger in events:
        made += store.add(facts(offer, version, (passenger,)), None, T0)
    ids = [entry.notification_id for entry in made]
    assert len(ids) == len(set(ids))
    for offer in ("a", "b"):
        for passenger in ("p1", "p2"):
            versions = [e.version for e in made if (e.offer_id, e.passenger_id) == (offer, passenger)]
            assert versions == sorted(versions)

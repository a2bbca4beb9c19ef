"""The engine and the webhook dispatcher with plain in-memory collaborators (no Kafka, no HTTP)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from rebook.domain.access import CLIENT, PASSENGER, Principal
from rebook.domain.errors import PermissionDeniedError, ValidationError
from rebook.notifier.channel import ChannelDeps
from rebook.notifier.convert import offer_facts
from rebook.notifier.core.auth import Scope
from rebook.notifier.core.channels import ChannelRecord, Route
from rebook.notifier.core.retry import RetryPolicy
from rebook.notifier.core.settings import NotifierSettings
from rebook.notifier.core.store import Entry, NotificationStore
from rebook.notifier.engine import NotificationEngine
from rebook.notifier.metrics import NotifierMetrics
from rebook.notifier.webhooks import WebhookCallbacks, WebhookChannel, WebhookDispatcher, WebhookJob
from rebook.runtime.metrics import new_registry
from tests.helpers.net import wait_until
from tests.unit.notifier.notifier_helpers import T0, make_offer


class RecordingSink:
    def __init__(self) -> None:
        self.notifications: list[tuple[str, bool]] = []
        self.channels: list[ChannelRecord] = []
        self.dead_letters: list[str] = []

    def notification(self, entry: Entry) -> None:
        self.notifications.append((entry.notification_id, entry.deliver_time is not None))

    def channel(self, record: ChannelRecord) -> None:
        self.channels.append(record)

    def dead(self, entry: Entry, reason: str) -> None:
        self.dead_letters.append(entry.notification_id)


class ListChannel:
    """An in-memory push channel, attached through the notifier's ``Channel`` port."""

    def __init__(self, route: str = Route.WEBHOOK) -> None:
        self.route = route
        self.sent: list[tuple[Entry, str]] = []
        self.closed = False

    def problem(self, address: str) -> str:
        return "" if address else "required"

    def send(self, entry: Entry, address: str) -> None:
        self.sent.append((entry, address))

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def parts():
    registry, sink, dispatcher = new_registry(), RecordingSink(), ListChannel()
    engine = NotificationEngine(
        NotificationStore(timedelta(hours=1)), sink, NotifierMetrics(registry), lambda: T0 + timedelta(seconds=3)
    )
    engine.attach(dispatcher)
    return engine, sink, dispatcher, registry


def test_live_and_backlog_delivery_once_with_latency(parts) -> None:
    engine, sink, _, registry = parts
    engine.on_offer(make_offer(version=1, known=T0))
    subscription = engine.subscribe(Scope(passenger_id="pax-1"))
    engine.on_offer(make_offer(version=2, known=T0))
    engine.on_offer(make_offer(version=2, known=T0))  # replay
    got = [subscription.next(0.1), subscription.next(0.1), subscription.next(0.05)]
    assert [entry.version for entry in got[:2]] == [1, 2] and got[2] is None
    for entry in got[:2]:
        assert engine.claim(entry)
        engine.release(entry, written=True)
    assert not engine.claim(got[0])  # already delivered: never written again
    delivered = {"channel": "stream", "outcome": "delivered"}
    assert registry.get_sample_value("rebook_notifications_sent_total", delivered) == 2
    assert registry.get_sample_value("rebook_notification_duplicates_total") == 1
    assert (
        registry.get_sample_value(
            "rebook_disruption_to_notification_seconds_bucket", {"channel": "stream", "le": "5.0"}
        )
        == 2
    )
    assert sink.notifications[-1] == ("off-1:2:pax-1", True)
    engine.unsubscribe(subscription)
    assert registry.get_sample_value("rebook_notification_subscribers", {"scope": "passenger"}) == 0


def test_two_streams_for_one_passenger_show_it_once(parts) -> None:
    engine, *_ = parts
    first, second = engine.subscribe(Scope(passenger_id="pax-1")), engine.subscribe(Scope(carriers=frozenset({"RB"})))
    engine.on_offer(make_offer())
    a, b = first.next(0.1), second.next(0.1)
    assert a is b
    assert engine.claim(a)
    assert not engine.claim(b)  # the other stream is writing it
    engine.release(a, written=False)  # the write failed: it stays pending
    assert engine.claim(b)
    engine.release(b, written=True)
    assert engine.subscribe(Scope(passenger_id="pax-1")).next(0.05) is None


def test_webhook_route_and_dead_letter(parts, caplog) -> None:
    engine, sink, dispatcher, registry = parts
    engine.register_channel("pax-1", Route.WEBHOOK, "http://127.0.0.1:9/hook")
    again = engine.register_channel("pax-1", Route.WEBHOOK, "http://127.0.0.1:9/hook")
    assert len(sink.channels) == 1 and again == sink.channels[0]
    engine.on_offer(make_offer(passengers=("pax-1", "pax-2")))
    assert [(entry.notification_id, url) for entry, url in dispatcher.sent] == [
        ("off-1:1:pax-1", "http://127.0.0.1:9/hook")
    ]
    assert engine.subscribe(Scope(passenger_id="pax-1")).next(0.05) is None  # not on streams
    entry, _ = dispatcher.sent[0]
    with caplog.at_level(logging.WARNING):
        engine.failed(entry, Route.WEBHOOK, "HTTP 503", 3)
    assert sink.dead_letters == ["off-1:1:pax-1"]
    logged = [" ".join(map(str, vars(r).values())) for r in caplog.records]
    assert logged and not [line for line in logged if "off-1" in line or "pax-1" in line]  # no booking or passenger
    assert registry.get_sample_value("rebook_notification_dead_letters_total") == 1


def test_acknowledge_checks_the_caller(parts) -> None:
    engine, *_ = parts
    engine.on_offer(make_offer(passengers=("pax-1",)))
    with pytest.raises(PermissionDeniedError):
        engine.acknowledge(Principal(PASSENGER, "pax-2"), "off-1:1:pax-1")
    with pytest.raises(PermissionDeniedError):
        engine.acknowledge(Principal(CLIENT, "xx-app", frozenset({"XX"})), "off-1:1:pax-1")
    entry = engine.acknowledge(Principal(CLIENT, "rb-app", frozenset({"RB"})), "off-1:1:pax-1")
    assert entry.acknowledge_time is not None and not entry.pending


def test_dispatcher_retries_in_order_per_passenger_without_holding_workers() -> None:
    attempts: list[tuple[str, bytes]] = []
    failures_left = {b"p1-a": 2}
    done = threading.Event()
    delivered: list[bytes] = []

    def send(url, body, headers, timeout_s):
        attempts.append((url, body))
        if failures_left.get(body, 0) > 0:
            failures_left[body] -= 1
            return 503
        return 204

    def on_delivered(job: WebhookJob) -> None:
        delivered.append(job.body)
        if len(delivered) == 3:
            done.set()

    callbacks = WebhookCallbacks(on_delivered, lambda job: None, lambda job: None)
    dispatcher = WebhookDispatcher(b"k", RetryPolicy(5, 0.05, 0.1), callbacks, workers=1, sender=send, rng=lambda: 0.0)
    try:
        for key, body in (("p1", b"p1-a"), ("p1", b"p1-b"), ("p2", b"p2-a")):
            dispatcher.submit(WebhookJob(key, "http://x", body, None))
        assert wait_until(done.is_set, 5)
    finally:
        dispatcher.close()
    assert delivered.index(b"p1-a") < delivered.index(b"p1-b")
    assert delivered.index(b"p2-a") < delivered.index(b"p1-a")  # p2 was not held up by p1's retries
    assert [body for _, body in attempts].count(b"p1-a") == 3


def test_undelivered_notifications_expire_after_the_retention() -> None:
    registry, now = new_registry(), [T0]
    engine = NotificationEngine(
        NotificationStore(timedelta(minutes=30)), RecordingSink(), NotifierMetrics(registry), lambda: now[0]
    )
    engine.attach(ListChannel())
    engine.on_offer(make_offer())
    now[0] = T0 + timedelta(hours=1)
    assert engine.subscribe(Scope(passenger_id="pax-1")).next(0.05) is None
    expired = {"channel": "stream", "outcome": "expired"}
    assert registry.get_sample_value("rebook_notifications_sent_total", expired) == 1
    engine.on_offer(make_offer())  # a late replay of the expired version still makes nothing
    assert registry.get_sample_value("rebook_notification_duplicates_total") == 1


def test_streams_are_capped_per_passenger_and_in_all(parts) -> None:
    from rebook.domain.errors import ResourceExhaustedError

    engine, _, _, _ = parts
    engine.max_streams, engine.max_streams_per_passenger = 4, 2
    first = [engine.subscribe(Scope(passenger_id="pax-1")) for _ in range(2)]
    with pytest.raises(ResourceExhaustedError, match="this passenger"):
        engine.subscribe(Scope(passenger_id="pax-1"))
    engine.unsubscribe(first[0])
    engine.subscribe(Scope(passenger_id="pax-1"))  # a closed stream frees its place
    engine.subscribe(Scope(passenger_id="pax-2"))
    engine.subscribe(Scope(carriers=frozenset({"RB"})))  # an app backend's stream
    with pytest.raises(ResourceExhaustedError, match="open streams, its limit"):
        engine.subscribe(Scope(passenger_id="pax-3"))


def test_a_new_channel_is_one_class_registered_through_the_port() -> None:
    """An SMS provider (in memory here): attached, it takes registrations with its own address
    check, receives its passengers' notifications, and its outcomes land on its own label."""
    registry, sink, sms, webhook = new_registry(), RecordingSink(), ListChannel("sms"), ListChannel()
    engine = NotificationEngine(NotificationStore(timedelta(hours=1)), sink, NotifierMetrics(registry), lambda: T0)
    engine.attach(webhook)
    engine.attach(sms)
    assert engine.push_routes == ("webhook", "sms")
    with pytest.raises(ValidationError) as error:
        engine.register_channel("pax-1", "sms", "")
    assert [(v.field, v.description) for v in error.value.violations] == [("webhook_url", "required")]
    with pytest.raises(ValidationError) as error:
        engine.register_channel("pax-1", "pigeon", "")
    assert error.value.violations[0].description == (
        "must be CHANNEL_KIND_STREAM, CHANNEL_KIND_WEBHOOK or CHANNEL_KIND_SMS"
    )
    engine.register_channel("pax-1", "sms", "+4915100000000")
    engine.on_offer(make_offer(passengers=("pax-1", "pax-2"), known=T0))
    assert [(e.notification_id, to) for e, to in sms.sent] == [("off-1:1:pax-1", "+4915100000000")]
    assert webhook.sent == []
    engine.retrying(sms.sent[0][0], "sms")
    engine.delivered(sms.sent[0][0], "sms")
    assert registry.get_sample_value("rebook_notifications_sent_total", {"channel": "sms", "outcome": "delivered"}) == 1
    assert registry.get_sample_value("rebook_notification_retries_total", {"channel": "sms"}) == 1
    engine.close_channels()
    assert sms.closed and webhook.closed


def test_the_webhook_channel_posts_the_notification_and_reports_back() -> None:
    posted: list[tuple[str, bytes]] = []
    outcomes: list[tuple[str, str]] = []

    class Outcomes:
        def delivered(self, entry: Entry, route: str) -> None:
            outcomes.append(("delivered", route))

        def retrying(self, entry: Entry, route: str) -> None:
            outcomes.append(("retrying", route))

        def failed(self, entry: Entry, route: str, reason: str, attempts: int) -> None:
            outcomes.append((f"failed: {reason} after {attempts}", route))

    def send(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
        posted.append((url, body))
        return 204

    settings = NotifierSettings(webhook_https_only=False, webhook_allow_hosts=("127.0.0.1",))
    channel = WebhookChannel(ChannelDeps(settings, Outcomes(), send))
    assert channel.problem("") == "required for a webhook channel"
    assert channel.problem("ftp://x/y") == "must be an absolute http(s) URL"
    assert channel.problem("http://127.0.0.1:9/hook") == ""
    store = NotificationStore(timedelta(hours=1))
    (entry,) = store.add(offer_facts(make_offer()), make_offer(), T0)
    try:
        channel.send(entry, "http://127.0.0.1:9/hook")
        assert wait_until(lambda: outcomes == [("delivered", "webhook")], 5)
    finally:
        channel.close()
    assert posted[0][0] == "http://127.0.0.1:9/hook" and b'"notificationId": "off-1:1:pax-1"' in posted[0][1]

"""The notifier over the real broker: gRPC streams, signed webhooks with retries and a DLQ,
and no offer version shown twice across replays and restarts."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from rebook.notifier.core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_webhook
from rebook.runtime.grpc_errors import field_violations
from rebook.runtime.kafka import read_to_end
from rebook.v1 import notification_service_pb2 as pb
from tests.helpers.auth import client_token
from tests.helpers.net import wait_until
from tests.integration.notifier.conftest import WEBHOOK_SECRET, Subscriber, bearer, group, token
from tests.unit.notifier.notifier_helpers import make_offer


def publish(producer, topics, *offers) -> None:
    for offer in offers:
        producer.publish(topics.offers, offer.record_locator, offer)
    producer.flush()


def sample(running, name: str, **labels) -> float:
    return running.registry.get_sample_value(name, labels) or 0.0


def test_stream_gets_backlog_then_live_each_version_once(notifiers, topics, producer) -> None:
    running = notifiers.start(group())
    known = datetime.now(UTC) - timedelta(seconds=1)
    publish(producer, topics, make_offer(version=1, passengers=("pax-1", "pax-2"), known=known))
    assert wait_until(lambda: sample(running, "rebook_notifications_created_total") == 2, 15)
    subscriber = Subscriber(running.stub, token("pax-1"))
    try:
        first = subscriber.next()
        assert (first.notification_id, first.offer.version) == ("off-1:1:pax-1", 1)
        publish(producer, topics, make_offer(version=1, known=known), make_offer(version=2, known=known))
        publish(producer, topics, make_offer(version=2, known=known))  # replayed
        second = subscriber.next()
        assert second.notification_id == "off-1:2:pax-1"
        assert second.offer.explanation.startswith("RB100 is cancelled")
        assert subscriber.nothing_more()
    finally:
        subscriber.close()
    labels = {"channel": "stream", "outcome": "delivered"}
    assert sample(running, "rebook_notifications_sent_total", **labels) == 2
    assert sample(running, "rebook_disruption_to_notification_seconds_count", channel="stream") == 2
    assert sample(running, "rebook_disruption_to_notification_seconds_bucket", channel="stream", le="0.01") == 0
    listed = running.stub.ListNotifications(pb.ListNotificationsRequest(), metadata=bearer(token("pax-1")), timeout=5)
    assert [n.notification_id for n in listed.notifications] == ["off-1:1:pax-1", "off-1:2:pax-1"]
    assert all(n.HasField("deliver_time") for n in listed.notifications)


def test_credentials_are_checked(notifiers) -> None:
    stub = notifiers.start(group()).stub
    expired = token("pax-1", ttl=timedelta(seconds=-1))
    forged = token("pax-1")[:-2] + "xx"
    for metadata in ((), bearer(expired), bearer(forged), bearer("nobody:secret")):
        with pytest.raises(grpc.RpcError) as error:
            next(stub.Subscribe(pb.SubscribeRequest(), metadata=metadata, timeout=5))
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as other:
        next(stub.Subscribe(pb.SubscribeRequest(passenger_id="pax-2"), metadata=bearer(token("pax-1")), timeout=5))
    assert other.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as acked:
        stub.AcknowledgeNotification(
            pb.AcknowledgeNotificationRequest(notification_id="off-1:1:pax-1"), metadata=bearer(token("p")), timeout=5
        )
    assert acked.value.code() == grpc.StatusCode.NOT_FOUND
    request = pb.RegisterChannelRequest(kind=pb.CHANNEL_KIND_WEBHOOK, webhook_url="ftp://nope")
    with pytest.raises(grpc.RpcError) as invalid:
        stub.RegisterChannel(request, metadata=bearer(token("pax-1")), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in field_violations(invalid.value)] == ["webhook_url"]


def register_webhook(stub, passenger_id: str, url: str) -> None:
    request = pb.RegisterChannelRequest(kind=pb.CHANNEL_KIND_WEBHOOK, webhook_url=url)
    reply = stub.RegisterChannel(request, metadata=bearer(token(passenger_id)), timeout=5)
    assert reply.channel.kind == pb.CHANNEL_KIND_WEBHOOK and reply.channel.channel_id


def test_webhooks_are_signed_retried_and_dead_lettered(notifiers, topics, producer, kafka_bootstrap, webhooks) -> None:
    running = notifiers.start(group())
    register_webhook(running.stub, "pax-flaky", f"{webhooks.url}/flaky")
    register_webhook(running.stub, "pax-down", f"{webhooks.url}/down")
    offer = make_offer(passengers=("pax-flaky", "pax-down"), known=datetime.now(UTC))
    publish(producer, topics, offer, offer)
    assert wait_until(lambda: len(webhooks.on("/flaky")) == 3 and len(webhooks.on("/down")) == 3, 15)
    assert webhooks.notification_ids("/flaky") == ["off-1:1:pax-flaky"] * 3
    for hit in webhooks.on("/flaky"):
        assert verify_webhook(
            WEBHOOK_SECRET, hit.headers[TIMESTAMP_HEADER], hit.body, hit.headers[SIGNATURE_HEADER], time.time()
        )
    assert json.loads(webhooks.on("/flaky")[0].body)["offer"]["recordLocator"] == "ABC123"
    assert wait_until(lambda: sample(running, "rebook_notification_dead_letters_total") == 1, 10)
    (dead,) = list(read_to_end(kafka_bootstrap, [topics.dead_letter]))
    notification = dead.decode(pb.Notification)
    assert notification.notification_id == "off-1:1:pax-down"
    assert dead.headers["rebook-error"] == "HTTP 500 after 3 attempts"
    assert sample(running, "rebook_notification_retries_total", channel="webhook") == 4
    assert sample(running, "rebook_notifications_sent_total", channel="webhook", outcome="delivered") == 1
    assert sample(running, "rebook_notifications_sent_total", channel="webhook", outcome="failed") == 5
    assert sample(running, "rebook_disruption_to_notification_seconds_count", channel="webhook") == 1
    time.sleep(0.5)
    assert len(webhooks.on("/flaky")) == 3 and len(webhooks.on("/down")) == 3


def test_restart_and_full_replay_show_nothing_twice(notifiers, topics, producer, webhooks) -> None:
    first = notifiers.start(group())
    register_webhook(first.stub, "pax-hook", f"{webhooks.url}/ok")
    publish(producer, topics, make_offer(version=1, passengers=("pax-1", "pax-hook")))
    subscriber = Subscriber(first.stub, token("pax-1"))
    assert subscriber.next().notification_id == "off-1:1:pax-1"
    # A stream write counts as delivered only once gRPC asks for the next message; closing the
    # stream before that leaves it pending (at least once), and the replay would show it again.
    assert wait_until(
        lambda: sample(first, "rebook_notifications_sent_total", channel="stream", outcome="delivered") == 1, 10
    )
    assert wait_until(lambda: len(webhooks.on("/ok")) == 1, 10)
    subscriber.close()
    first.stop()
    # A new consumer group reads the offers topic from the start: every offer is replayed.
    second = notifiers.start(group())
    publish(producer, topics, make_offer(version=2, passengers=("pax-1", "pax-hook")))
    subscriber = Subscriber(second.stub, token("pax-1"))
    try:
        assert subscriber.next().notification_id == "off-1:2:pax-1"
        assert subscriber.nothing_more()
    finally:
        subscriber.close()
    assert wait_until(lambda: len(webhooks.on("/ok")) == 2, 10)
    time.sleep(0.3)
    assert webhooks.notification_ids("/ok") == ["off-1:1:pax-hook", "off-1:2:pax-hook"]
    assert sample(second, "rebook_notification_duplicates_total") == 2


def test_airline_backend_sees_its_airline_only(notifiers, topics, producer) -> None:
    running = notifiers.start(group())
    backend = Subscriber(running.stub, client_token(["RB"], ["notifications:subscribe"], "rb-app"))
    try:
        publish(
            producer,
            topics,
            make_offer("off-x", carrier="XX", passengers=("pax-1",)),
            make_offer("off-r", carrier="RB", passengers=("pax-1", "pax-2")),
        )
        got = {backend.next().notification_id, backend.next().notification_id}
        assert got == {"off-r:1:pax-1", "off-r:1:pax-2"}
        assert backend.nothing_more(0.5)
    finally:
        backend.close()
    assert wait_until(lambda: sample(running, "rebook_notification_subscribers", scope="airline") == 0, 5)

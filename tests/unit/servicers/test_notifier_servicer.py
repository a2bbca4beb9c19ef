"""The notifier's servicer in-process (no server, no broker): translation, scopes and error codes
through the runtime's interceptor.  The integration tests keep the real broker and streams."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from rebook.notifier.core.channels import Route, url_problem
from rebook.notifier.core.store import NotificationStore
from rebook.notifier.engine import NotificationEngine
from rebook.notifier.metrics import NotifierMetrics
from rebook.notifier.servicer import ServicerDeps, binding
from rebook.runtime.grpc_errors import field_violations
from rebook.runtime.metrics import new_registry
from rebook.v1 import notification_service_pb2 as pb
from tests.helpers.auth import client_token, passenger_token
from tests.helpers.in_process import Failed, InProcess
from tests.unit.notifier.notifier_helpers import T0, make_offer
from tests.unit.notifier.test_notifier_engine import ListChannel, RecordingSink

SERVICE = "/rebook.v1.NotificationService"
APP_BACKEND = ("notifications:subscribe",)


@pytest.fixture(autouse=True)
def development(monkeypatch) -> None:
    monkeypatch.setenv("REBOOK_ENV", "development")


class WebhookChannel(ListChannel):
    """An in-memory webhook route that checks addresses as the real one does."""

    def problem(self, address: str) -> str:
        return url_problem(address)


@pytest.fixture
def notifier() -> tuple[InProcess, RecordingSink, WebhookChannel]:
    registry, sink, webhook = new_registry(), RecordingSink(), WebhookChannel(Route.WEBHOOK)
    clock = lambda: T0 + timedelta(seconds=3)  # noqa: E731
    engine = NotificationEngine(NotificationStore(timedelta(hours=1)), sink, NotifierMetrics(registry), clock)
    engine.attach(webhook)
    engine.on_offer(make_offer(passengers=("pax-1", "pax-2")))
    return InProcess([binding(ServicerDeps(engine, registry, clock))]), sink, webhook


def _fails(calls: InProcess, method: str, request, token: str) -> Failed:
    with pytest.raises(Failed) as raised:
        calls.call(f"{SERVICE}/{method}", request, token)
    return raised.value


def test_a_passenger_registers_a_webhook_and_sees_it_translated(notifier) -> None:
    calls, sink, _ = notifier
    request = pb.RegisterChannelRequest(kind=pb.CHANNEL_KIND_WEBHOOK, webhook_url="https://app.example/hook")
    reply = calls.call(f"{SERVICE}/RegisterChannel", request, passenger_token("pax-1"))
    assert (reply.channel.passenger_id, reply.channel.kind) == ("pax-1", pb.CHANNEL_KIND_WEBHOOK)
    assert reply.channel.webhook_url == "https://app.example/hook" and reply.channel.channel_id
    assert [(r.passenger_id, r.route) for r in sink.channels] == [("pax-1", Route.WEBHOOK)]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.RegisterChannelRequest(), "kind"),
        (pb.RegisterChannelRequest(kind=pb.CHANNEL_KIND_WEBHOOK), "webhook_url"),
        (pb.RegisterChannelRequest(kind=pb.CHANNEL_KIND_WEBHOOK, webhook_url="ftp://x/y"), "webhook_url"),
        (pb.RegisterChannelRequest(kind=pb.CHANNEL_KIND_STREAM, webhook_url="https://a.example/"), "webhook_url"),
    ],
)
def test_a_bad_registration_is_invalid_argument_naming_the_field(notifier, request_, field) -> None:
    calls, sink, _ = notifier
    failed = _fails(calls, "RegisterChannel", request_, passenger_token("pax-1"))
    assert failed.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {f for f, _ in field_violations(failed)}
    assert sink.channels == []


def test_only_the_passenger_registers_their_own_channel(notifier) -> None:
    calls, sink, _ = notifier
    request = pb.RegisterChannelRequest(passenger_id="pax-2", kind=pb.CHANNEL_KIND_STREAM)
    other_passenger = _fails(calls, "RegisterChannel", request, passenger_token("pax-1"))
    assert other_passenger.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _fails(calls, "RegisterChannel", request, client_token()).code() == grpc.StatusCode.PERMISSION_DENIED
    assert _fails(calls, "RegisterChannel", request, "").code() == grpc.StatusCode.UNAUTHENTICATED
    assert sink.channels == []


def test_listing_shows_each_caller_what_its_scope_holds(notifier) -> None:
    calls, _, _ = notifier
    own = calls.call(f"{SERVICE}/ListNotifications", pb.ListNotificationsRequest(), passenger_token("pax-1"))
    assert [(n.notification_id, n.passenger_id, n.offer.offer_id) for n in own.notifications] == [
        ("off-1:1:pax-1", "pax-1", "off-1")
    ]
    backend = client_token(carriers=("RB",), roles=APP_BACKEND)
    listed = calls.call(f"{SERVICE}/ListNotifications", pb.ListNotificationsRequest(passenger_id="pax-2"), backend)
    assert [n.notification_id for n in listed.notifications] == ["off-1:1:pax-2"]
    other_airline = client_token(carriers=("XY",), roles=APP_BACKEND)
    none = calls.call(f"{SERVICE}/ListNotifications", pb.ListNotificationsRequest(passenger_id="pax-2"), other_airline)
    assert list(none.notifications) == []
    someone_else = pb.ListNotificationsRequest(passenger_id="pax-2")
    assert _fails(calls, "ListNotifications", someone_else, passenger_token("pax-1")).code() == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    unnamed = _fails(calls, "ListNotifications", pb.ListNotificationsRequest(), backend)
    assert unnamed.code() == grpc.StatusCode.PERMISSION_DENIED  # an app backend names the passenger
    without_role = client_token(carriers=("RB",), roles=("offers:read",))
    assert _fails(calls, "ListNotifications", someone_else, without_role).code() == grpc.StatusCode.PERMISSION_DENIED


def test_acknowledging_checks_the_id_the_notification_and_the_caller(notifier) -> None:
    calls, sink, _ = notifier
    token = passenger_token("pax-1")
    made = list(sink.notifications)  # the two notifications the offer made
    empty = _fails(calls, "AcknowledgeNotification", pb.AcknowledgeNotificationRequest(), token)
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT and field_violations(empty)[0][0] == "notification_id"
    unknown = _fails(calls, "AcknowledgeNotification", pb.AcknowledgeNotificationRequest(notification_id="x"), token)
    assert unknown.code() == grpc.StatusCode.NOT_FOUND and field_violations(unknown)[0][0] == "notification_id"
    theirs = pb.AcknowledgeNotificationRequest(notification_id="off-1:1:pax-2")
    assert _fails(calls, "AcknowledgeNotification", theirs, token).code() == grpc.StatusCode.PERMISSION_DENIED
    assert sink.notifications == made  # nothing acknowledged
    mine = pb.AcknowledgeNotificationRequest(notification_id="off-1:1:pax-1")
    reply = calls.call(f"{SERVICE}/AcknowledgeNotification", mine, token)
    assert reply.notification.notification_id == "off-1:1:pax-1" and reply.notification.HasField("acknowledge_time")
    assert [n for n, _ in sink.notifications[len(made) :]] == ["off-1:1:pax-1"]  # its new state recorded


def test_a_stream_is_refused_to_strangers_before_it_starts(notifier) -> None:
    calls, _, _ = notifier
    request = pb.SubscribeRequest(passenger_id="pax-2")
    assert _fails(calls, "Subscribe", request, "").code() == grpc.StatusCode.UNAUTHENTICATED
    assert _fails(calls, "Subscribe", request, passenger_token("pax-1")).code() == grpc.StatusCode.PERMISSION_DENIED
    no_role = client_token(carriers=("RB",), roles=("offers:read",))
    assert _fails(calls, "Subscribe", request, no_role).code() == grpc.StatusCode.PERMISSION_DENIED

"""``rebook.v1.NotificationService`` over gRPC: translates requests to the engine and back.

The runtime's interceptor authenticates the caller (a passenger token or an app backend's
client token) and checks ``ACCESS``; the scope rules of ``core.auth`` decide what they see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry

from rebook.domain.access import AccessRule
from rebook.domain.errors import FieldViolation, ValidationError
from rebook.notifier.convert import route_of, to_channel, to_notification
from rebook.notifier.core.auth import passenger_scope, require_passenger, subscription_scope
from rebook.notifier.engine import NotificationEngine
from rebook.runtime.auth import caller
from rebook.runtime.grpc_server import ServiceBinding
from rebook.v1 import notification_service_pb2 as pb
from rebook.v1 import notification_service_pb2_grpc as pb_grpc

# How often an idle stream checks that its client is still there.
IDLE_CHECK_S = 0.5

_APP_BACKEND = ("notifications:subscribe",)
# Who may call each RPC (checked before anything else); the scope rules decide what they see.
ACCESS: dict[str, AccessRule] = {
    "RegisterChannel": AccessRule(passenger=True),
    "Subscribe": AccessRule(passenger=True, roles=_APP_BACKEND),
    "AcknowledgeNotification": AccessRule(passenger=True, roles=_APP_BACKEND),
    "ListNotifications": AccessRule(passenger=True, roles=_APP_BACKEND),
}


@dataclass(frozen=True, slots=True)
class ServicerDeps:
    engine: NotificationEngine
    registry: CollectorRegistry
    clock: Callable[[], datetime]
    max_workers: int = 16


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(self, deps: ServicerDeps) -> None:
        self._engine = deps.engine

    def RegisterChannel(self, request: pb.RegisterChannelRequest, context) -> pb.RegisterChannelResponse:
        passenger_id = require_passenger(caller(), request.passenger_id)
        record = self._engine.register_channel(passenger_id, route_of(request.kind), request.webhook_url)
        return pb.RegisterChannelResponse(channel=to_channel(record))

    def Subscribe(self, request: pb.SubscribeRequest, context) -> Iterator[pb.SubscribeResponse]:
        scope = subscription_scope(caller(), request.passenger_id)
        subscription = self._engine.subscribe(scope)
        context.add_callback(subscription.close)
        try:
            while context.is_active() and not subscription.closed.is_set():
                entry = subscription.next(IDLE_CHECK_S)
                if entry is None or not self._engine.claim(entry):
                    continue
                written = False
                try:
                    yield pb.SubscribeResponse(notification=to_notification(entry))
                    written = True
                finally:
                    self._engine.release(entry, written)
        finally:
            self._engine.unsubscribe(subscription)

    def AcknowledgeNotification(self, request: pb.AcknowledgeNotificationRequest, context):
        principal = caller()
        if not request.notification_id:
            raise ValidationError([FieldViolation("notification_id", "required")])
        entry = self._engine.acknowledge(principal, request.notification_id)
        return pb.AcknowledgeNotificationResponse(notification=to_notification(entry))

    def ListNotifications(self, request: pb.ListNotificationsRequest, context) -> pb.ListNotificationsResponse:
        scope = passenger_scope(caller(), request.passenger_id)
        entries = self._engine.list(scope)
        return pb.ListNotificationsResponse(notifications=[to_notification(entry) for entry in entries])


def binding(deps: ServicerDeps) -> ServiceBinding:
    return ServiceBinding(
        pb.DESCRIPTOR.services_by_name["NotificationService"],
        NotificationServicer(deps),
        pb_grpc.add_NotificationServiceServicer_to_server,
        ACCESS,
    )

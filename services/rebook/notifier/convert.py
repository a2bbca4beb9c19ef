"""Protobuf ⇄ notifier core: notifications, channels and the facts of an offer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from rebook.domain.convert import set_timestamp, timestamp_field
from rebook.domain.errors import FieldViolation, ValidationError
from rebook.notifier.core.channels import ChannelRecord
from rebook.notifier.core.store import Entry, OfferFacts
from rebook.v1 import notification_service_pb2 as pb
from rebook.v1 import offer_pb2

_KIND_PREFIX = "CHANNEL_KIND_"


def route_of(kind: int) -> str | None:
    """The route a ``ChannelKind`` names (``CHANNEL_KIND_WEBHOOK`` → ``webhook``); None if unset."""
    if kind == pb.CHANNEL_KIND_UNSPECIFIED or kind not in pb.ChannelKind.values():
        return None
    return pb.ChannelKind.Name(kind).removeprefix(_KIND_PREFIX).lower()


def kind_of(route: str) -> pb.ChannelKind:
    return cast(pb.ChannelKind, pb.ChannelKind.Value(_KIND_PREFIX + route.upper()))


def offer_facts(offer: offer_pb2.Offer) -> OfferFacts:
    """The facts the store needs; ``ValidationError`` for an offer that cannot be notified."""
    violations = []
    if not offer.offer_id:
        violations.append(FieldViolation("offer_id", "required"))
    if offer.version <= 0:
        violations.append(FieldViolation("version", "must be positive"))
    if any(not passenger for passenger in offer.passenger_ids):
        violations.append(FieldViolation("passenger_ids", "must not contain empty ids"))
    if violations:
        raise ValidationError(violations)
    known = timestamp_field(offer, "disruption_known_time")
    return OfferFacts(offer.offer_id, offer.version, offer.carrier, tuple(offer.passenger_ids), known)


def to_notification(entry: Entry) -> pb.Notification:
    message = pb.Notification(notification_id=entry.notification_id, passenger_id=entry.passenger_id)
    message.offer.CopyFrom(entry.payload)
    set_timestamp(message, "create_time", entry.create_time)
    set_timestamp(message, "deliver_time", entry.deliver_time)
    set_timestamp(message, "acknowledge_time", entry.acknowledge_time)
    return message


def from_notification(message: pb.Notification) -> Entry:
    offer = message.offer
    return Entry(
        notification_id=message.notification_id,
        passenger_id=message.passenger_id,
        offer_id=offer.offer_id,
        version=offer.version,
        carrier=offer.carrier,
        create_time=timestamp_field(message, "create_time") or datetime.fromtimestamp(0, UTC),
        known_time=timestamp_field(offer, "disruption_known_time"),
        payload=offer,
        deliver_time=timestamp_field(message, "deliver_time"),
        acknowledge_time=timestamp_field(message, "acknowledge_time"),
    )


def to_channel(record: ChannelRecord) -> pb.Channel:
    return pb.Channel(
        channel_id=record.channel_id,
        passenger_id=record.passenger_id,
        kind=kind_of(record.route),
        webhook_url=record.webhook_url,
    )


def from_channel(message: pb.Channel) -> ChannelRecord:
    route = route_of(message.kind)
    if route is None:
        raise KeyError(f"channel kind {message.kind}")  # poison: dead-lettered by the restore
    return ChannelRecord(message.channel_id, message.passenger_id, route, message.webhook_url)

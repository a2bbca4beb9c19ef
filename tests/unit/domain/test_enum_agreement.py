"""The domain enums and the protobuf enums agree value for value, both ways.

Translation between them is a plain cast (``rebook.domain.convert``), so a value added to one
side only would be dropped, or turned into a wrong member, at the first service boundary.
"""

from __future__ import annotations

from enum import IntEnum

import pytest
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from rebook.domain import model
from rebook.notifier.app import PUSH_CHANNELS
from rebook.notifier.core.channels import Route
from rebook.optimizer import offers
from rebook.v1 import booking_pb2, disruption_pb2, flight_pb2, location_pb2, notification_service_pb2, offer_pb2

# (domain enum, protobuf enum, protobuf name prefix)
PAIRS: list[tuple[type[IntEnum], EnumTypeWrapper, str]] = [
    (model.Cabin, flight_pb2.Cabin, "CABIN_"),
    (model.FlightStatus, flight_pb2.FlightStatus, "FLIGHT_STATUS_"),
    (model.LegType, flight_pb2.LegType, "LEG_TYPE_"),
    (model.Tier, booking_pb2.Tier, "TIER_"),
    (model.SpecialService, booking_pb2.SpecialService, "SPECIAL_SERVICE_"),
    (model.DisruptionKind, disruption_pb2.DisruptionKind, "DISRUPTION_KIND_"),
    (model.ProximityBand, location_pb2.ProximityBand, "PROXIMITY_BAND_"),
    (offers.OfferStatus, offer_pb2.OfferStatus, "OFFER_STATUS_"),
    (offers.OptionKind, offer_pb2.OptionKind, "OPTION_KIND_"),
    (offers.Unaccommodated, offer_pb2.UnaccommodatedReason, "UNACCOMMODATED_REASON_"),
    (offers.ResponseKind, offer_pb2.ResponseKind, "RESPONSE_KIND_"),
]


def _proto_members(proto: EnumTypeWrapper, prefix: str) -> dict[str, int]:
    """Name (prefix stripped) → number, ``*_UNSPECIFIED`` left out unless the domain has it."""
    return {name.removeprefix(prefix): number for name, number in proto.items()}


@pytest.mark.parametrize(("domain", "proto", "prefix"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_every_value_maps_both_ways(domain: type[IntEnum], proto: EnumTypeWrapper, prefix: str) -> None:
    wire = _proto_members(proto, prefix)
    assert all(name.startswith(prefix) for name, _ in proto.items()), "a protobuf value lacks the enum's prefix"
    mine = {m.name: m.value for m in domain}
    if "UNSPECIFIED" not in mine:
        assert wire.pop("UNSPECIFIED") == 0  # the protobuf default means "not given", never a value
    assert mine == wire


def test_every_domain_enum_is_checked() -> None:
    """A new domain enum must join ``PAIRS`` (or be listed here as having no wire form)."""
    no_wire_form: set[str] = set()
    enums = {
        name
        for module in (model, offers)
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, IntEnum) and value is not IntEnum
    }
    assert enums - no_wire_form == {p[0].__name__ for p in PAIRS}


def test_notification_channels_match_the_wire() -> None:
    """One ``ChannelKind`` per route the notifier offers: the Subscribe stream and each push
    channel of ``app.PUSH_CHANNELS`` (routes are strings: the ``channel`` metric label)."""
    kinds = _proto_members(notification_service_pb2.ChannelKind, "CHANNEL_KIND_")
    kinds.pop("UNSPECIFIED")
    routes = {Route.STREAM, *(getattr(channel, "route") for channel in PUSH_CHANNELS)}  # noqa: B009
    assert {route.upper() for route in routes} == set(kinds)

"""Offers as the optimizer publishes them, for the notifier tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration

from rebook.domain.convert import to_timestamp
from rebook.v1 import flight_pb2, offer_pb2

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def segment(flight: str, origin: str, destination: str, departs: datetime, hours: float = 2.0):
    return offer_pb2.ItinerarySegment(
        leg_id=f"RB{flight}-2026-11-23-{origin}",
        carrier="RB",
        flight_number=flight,
        origin=origin,
        destination=destination,
        departure_time=to_timestamp(departs),
        arrival_time=to_timestamp(departs + timedelta(hours=hours)),
        cabin=flight_pb2.CABIN_ECONOMY,
    )


def make_offer(
    offer_id: str = "off-1",
    version: int = 1,
    passengers: tuple[str, ...] = ("pax-1",),
    carrier: str = "RB",
    known: datetime | None = None,
    locator: str = "ABC123",
) -> offer_pb2.Offer:
    new_departure = T0 + timedelta(hours=3)
    rebook = offer_pb2.OfferOption(
        option_id="opt-1",
        kind=offer_pb2.OPTION_KIND_REBOOK,
        segments=[segment("101", "FRA", "JFK", new_departure, 8.5)],
        arrival_time=to_timestamp(new_departure + timedelta(hours=8.5)),
        arrival_delay=Duration(seconds=3 * 3600 + 15 * 60),
        held=True,
    )
    alternative = offer_pb2.OfferOption(
        option_id="opt-2",
        kind=offer_pb2.OPTION_KIND_REBOOK,
        segments=[segment("201", "FRA", "EWR", new_departure + timedelta(hours=1), 8.0)],
        arrival_time=to_timestamp(new_departure + timedelta(hours=9)),
        arrival_delay=Duration(seconds=4 * 3600),
        airport_change=True,
    )
    refund = offer_pb2.OfferOption(option_id="refund", kind=offer_pb2.OPTION_KIND_REFUND)
    offer = offer_pb2.Offer(
        offer_id=offer_id,
        version=version,
        record_locator=locator,
        carrier=carrier,
        passenger_ids=list(passengers),
        status=offer_pb2.OFFER_STATUS_OPEN,
        original_segments=[segment("100", "FRA", "JFK", T0, 8.5)],
        options=[rebook, alternative, refund],
        primary_option_id="opt-1",
        explanation="RB100 is cancelled; RB101 is the next flight with seats in your cabin.",
        disruption_id="dis-1",
        expire_time=to_timestamp(T0 + timedelta(hours=2)),
    )
    if known is not None:
        offer.disruption_known_time.CopyFrom(to_timestamp(known))
    return offer

"""Offers and passenger responses ⇄ protobuf.  Itinerary segments are filled in from the
flights view so a passenger app can show times and flight numbers without another call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import cast

from rebook.domain.convert import set_timestamp, timestamp_field, to_duration
from rebook.domain.model import Cabin, FlightLeg, LegType, Segment
from rebook.optimizer.core.candidate import AirportChange
from rebook.optimizer.core.costs import Entitlements
from rebook.optimizer.offers import Offer, OfferOption, OfferStatus, OptionKind, SeatHold, Unaccommodated
from rebook.v1 import flight_pb2, offer_pb2

EPOCH = datetime.fromtimestamp(0, UTC)


def segment_to_proto(segment: Segment, flights: Mapping[str, FlightLeg]) -> offer_pb2.ItinerarySegment:
    message = offer_pb2.ItinerarySegment(leg_id=segment.leg_id, cabin=cast(flight_pb2.Cabin, int(segment.cabin)))
    leg = flights.get(segment.leg_id)
    if leg is not None:
        message.carrier, message.flight_number = leg.carrier, leg.flight_number
        message.origin, message.destination = leg.origin, leg.destination
        set_timestamp(message, "departure_time", leg.departure)
        set_timestamp(message, "arrival_time", leg.arrival)
        message.leg_type = cast(
            flight_pb2.LegType, 0 if leg.leg_type == LegType.FLIGHT else int(leg.leg_type)
        )  # as leg_to_proto
        message.origin_time_zone, message.destination_time_zone = leg.origin_zone, leg.destination_zone
    return message


def _money(amount: float, currency: str) -> offer_pb2.Money:
    return offer_pb2.Money(currency_code=currency, minor_units=round(amount * 100))


def entitlements_to_proto(e: Entitlements) -> offer_pb2.Entitlements:
    return offer_pb2.Entitlements(
        regime=e.regime,
        compensation=_money(e.compensation, e.compensation_currency or e.currency),
        compensation_reason=e.compensation_reason,
        meals=e.meals,
        hotel_nights=e.hotel_nights,
        care=_money(e.care, e.currency),
        downgrade_refund=_money(e.downgrade_refund, e.currency),
        refund_right=e.refund_right,
        refund=_money(e.refund, e.currency),
    )


def entitlements_from_proto(m: offer_pb2.Entitlements) -> Entitlements:
    return Entitlements(
        currency=m.refund.currency_code or m.care.currency_code,
        regime=m.regime,
        compensation=m.compensation.minor_units / 100,
        compensation_currency=m.compensation.currency_code,
        compensation_reason=m.compensation_reason,
        meals=m.meals,
        hotel_nights=m.hotel_nights,
        care=m.care.minor_units / 100,
        downgrade_refund=m.downgrade_refund.minor_units / 100,
        refund_right=m.refund_right,
        refund=m.refund.minor_units / 100,
    )


def _option_to_proto(option: OfferOption, held: bool, flights: Mapping[str, FlightLeg]) -> offer_pb2.OfferOption:
    message = offer_pb2.OfferOption(
        option_id=option.option_id,
        kind=cast(offer_pb2.OptionKind, int(option.kind)),
        segments=[segment_to_proto(s, flights) for s in option.segments],
        held=held,
        downgrade=option.downgrade,
        airport_change=option.airport_change,
        airport_changes=[
            offer_pb2.AirportChange(booked_airport=c.booked, new_airport=c.used, transfer=to_duration(c.transfer))
            for c in option.airport_changes
        ],
        earlier_than_booked=option.earlier,
        interline=option.interline,
        passenger_ids=list(option.passenger_ids),
    )
    if option.entitlements is not None:
        message.entitlements.CopyFrom(entitlements_to_proto(option.entitlements))
    if option.kind == OptionKind.REBOOK:
        message.arrival_delay.CopyFrom(to_duration(option.delay))
        set_timestamp(message, "arrival_time", option.arrival)
    return message


def offer_to_proto(offer: Offer, flights: Mapping[str, FlightLeg]) -> offer_pb2.Offer:
    held = {o.option_id for o in offer.held_options} if offer.holds else set()
    message = offer_pb2.Offer(
        offer_id=offer.offer_id,
        version=offer.version,
        record_locator=offer.record_locator,
        carrier=offer.carrier,
        passenger_ids=list(offer.passenger_ids),
        status=cast(offer_pb2.OfferStatus, int(offer.status)),
        original_segments=[segment_to_proto(s, flights) for s in offer.original_segments],
        options=[_option_to_proto(o, o.option_id in held, flights) for o in offer.options],
        primary_option_id=offer.primary_option_id,
        holds=[
            offer_pb2.SeatHold(leg_id=h.leg_id, cabin=cast(flight_pb2.Cabin, int(h.cabin)), seats=h.seats)
            for h in offer.holds
        ],
        explanation=offer.explanation,
        disruption_id=offer.disruption_id,
        disruption_version=offer.disruption_version,
        chosen_option_id=offer.chosen_option_id,
        predicted=offer.predicted,
        kept_leg_ids=sorted(offer.kept_leg_ids),
        response_ids=sorted(offer.response_ids),
        unaccommodated_reason=cast(offer_pb2.UnaccommodatedReason, int(offer.unaccommodated_reason)),
    )
    if offer.horizon_end is not None:
        set_timestamp(message, "horizon_end_time", offer.horizon_end)
    set_timestamp(message, "expire_time", offer.expire_time)
    set_timestamp(message, "disruption_known_time", offer.disruption_known_time)
    set_timestamp(message, "create_time", offer.create_time)
    return message


def _segment(message: offer_pb2.ItinerarySegment) -> Segment:
    return Segment(message.leg_id, Cabin(message.cabin) if message.cabin else Cabin.ECONOMY)


def offer_from_proto(message: offer_pb2.Offer) -> Offer:
    options = tuple(
        OfferOption(
            option_id=o.option_id,
            kind=OptionKind(o.kind),
            segments=tuple(_segment(s) for s in o.segments),
            arrival=timestamp_field(o, "arrival_time"),
            delay=o.arrival_delay.ToTimedelta(),
            downgrade=o.downgrade,
            airport_change=o.airport_change,
            entitlements=entitlements_from_proto(o.entitlements) if o.HasField("entitlements") else None,
            airport_changes=tuple(
                AirportChange(c.booked_airport, c.new_airport, c.transfer.ToTimedelta()) for c in o.airport_changes
            ),
            earlier=o.earlier_than_booked,
            interline=o.interline,
            passenger_ids=tuple(o.passenger_ids),
        )
        for o in message.options
    )
    return Offer(
        offer_id=message.offer_id,
        version=message.version,
        record_locator=message.record_locator,
        carrier=message.carrier,
        passenger_ids=tuple(message.passenger_ids),
        status=OfferStatus(message.status),
        original_segments=tuple(_segment(s) for s in message.original_segments),
        options=options,
        primary_option_id=message.primary_option_id,
        holds=tuple(SeatHold(h.leg_id, Cabin(h.cabin), h.seats) for h in message.holds),
        expire_time=timestamp_field(message, "expire_time") or EPOCH,
        explanation=message.explanation,
        disruption_id=message.disruption_id,
        disruption_version=message.disruption_version,
        disruption_known_time=timestamp_field(message, "disruption_known_time") or EPOCH,
        create_time=timestamp_field(message, "create_time") or EPOCH,
        chosen_option_id=message.chosen_option_id,
        predicted=message.predicted,
        kept_leg_ids=frozenset(message.kept_leg_ids),
        response_ids=frozenset(message.response_ids),
        unaccommodated_reason=Unaccommodated(message.unaccommodated_reason),
        horizon_end=timestamp_field(message, "horizon_end_time"),
    )

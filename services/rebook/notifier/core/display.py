"""What the terminal client shows and understands: offers as text, answers from text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from rebook.domain.airports import parse_zone, zone
from rebook.v1 import flight_pb2, offer_pb2

_STATUS = {
    offer_pb2.OFFER_STATUS_OPEN: "waiting for your answer",
    offer_pb2.OFFER_STATUS_ACCEPTED: "accepted",
    offer_pb2.OFFER_STATUS_REFUNDED: "refunded",
    offer_pb2.OFFER_STATUS_EXPIRED: "expired",
    offer_pb2.OFFER_STATUS_SUPERSEDED: "replaced by a newer offer",
    offer_pb2.OFFER_STATUS_UNACCOMMODATED: "no new flight found",
    offer_pb2.OFFER_STATUS_WITHDRAWN: "disruption withdrawn, your original flights stand",
}


_BY = {flight_pb2.LEG_TYPE_BUS: "bus", flight_pb2.LEG_TYPE_RAIL: "train"}


def _time(stamp, iata: str = "", given_zone: str = "") -> str:
    """A time on the clock of the station ``iata`` labelled with its zone (``13:00 CET``) — from
    the airport table, else the zone the offer gave; UTC, labelled ``Z``, where neither knows."""
    if not stamp.seconds and not stamp.nanos:
        return "?"
    utc = stamp.ToDatetime(tzinfo=UTC)
    where = (zone(iata) or parse_zone(given_zone)) if iata else None
    if where is None:
        return utc.strftime("%a %d %b %H:%MZ")
    return utc.astimezone(where).strftime("%a %d %b %H:%M %Z")


def _cabin(cabin: int) -> str:
    return flight_pb2.Cabin.Name(cabin).removeprefix("CABIN_").replace("_", " ").lower() if cabin else ""


def format_segment(segment: offer_pb2.ItinerarySegment) -> str:
    flight = f"{segment.carrier}{segment.flight_number}".ljust(8)
    departs = _time(segment.departure_time, segment.origin, segment.origin_time_zone)
    arrives = _time(segment.arrival_time, segment.destination, segment.destination_time_zone)
    route = f"{segment.origin} {departs} → {segment.destination} {arrives}"
    by = _BY.get(segment.leg_type)
    cabin = f"by {by}" if by else _cabin(segment.cabin)  # a train's "cabin" means nothing to a passenger
    return f"{flight}{route}" + (f"  ({cabin})" if cabin else "")


def _delay(option: offer_pb2.OfferOption) -> str:
    minutes = round(option.arrival_delay.ToTimedelta().total_seconds() / 60)
    if minutes == 0:
        return "on time"
    hours, rest = divmod(abs(minutes), 60)
    text = f"{hours}h{rest:02d}" if hours else f"{rest} min"
    return f"{text} {'later' if minutes > 0 else 'earlier'}"


_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def _money(m: offer_pb2.Money) -> str:
    symbol = _SYMBOLS.get(m.currency_code)
    amount = f"{m.minor_units / 100:,.0f}"
    return f"{symbol}{amount}" if symbol else f"{m.currency_code} {amount}"


def format_entitlements(option: offer_pb2.OfferOption) -> list[str]:
    """What each passenger is owed with this option, as the offer states it (may be none)."""
    if not option.HasField("entitlements"):
        return []
    e = option.entitlements
    owed = []
    if e.compensation.minor_units:
        owed.append(f"{_money(e.compensation)} compensation ({e.regime}: {e.compensation_reason})")
    if option.kind == offer_pb2.OPTION_KIND_REFUND and e.refund.minor_units:
        owed.append(f"{_money(e.refund)} refund")
    if e.meals:
        owed.append(f"{e.meals} meal{'s' if e.meals > 1 else ''}")
    if e.hotel_nights:
        owed.append(f"{e.hotel_nights} hotel night{'s' if e.hotel_nights > 1 else ''} with transfer")
    if e.downgrade_refund.minor_units:
        owed.append(f"{_money(e.downgrade_refund)} back for the lower cabin")
    lines = [f"        You are owed, each: {', '.join(owed)}"] if owed else []
    if e.refund_right and option.kind == offer_pb2.OPTION_KIND_REBOOK:
        lines.append(f"        You may decline this change for a full refund of {_money(e.refund)} (US DOT)")
    return lines


def format_option(number: int, option: offer_pb2.OfferOption, primary: bool) -> list[str]:
    if option.kind == offer_pb2.OPTION_KIND_REFUND:
        return [f"  [{number}] Refund the unused part of your ticket", *format_entitlements(option)]
    if option.kind == offer_pb2.OPTION_KIND_AGENT:
        return [f"  [{number}] Talk to an agent"]
    if option.kind == offer_pb2.OPTION_KIND_WAITLIST:
        return [f"  [{number}] Join the waitlist: we book you on the next seat that frees up"]
    notes = [_delay(option)]
    notes += [f"for {len(option.passenger_ids)} of your group"] if option.passenger_ids else []
    notes += ["seats held for you"] if option.held else []
    notes += ["lower cabin"] if option.downgrade else []
    notes += ["other airport"] if option.airport_change else []
    title = "Our pick" if primary else "Alternative"
    destination = option.segments[-1].destination if option.segments else ""
    lines = [f"  [{number}] {title}: arrives {_time(option.arrival_time, destination)}, {', '.join(notes)}"]
    return lines + [f"        {format_segment(segment)}" for segment in option.segments] + format_entitlements(option)


def format_offer(offer: offer_pb2.Offer) -> str:
    """The offer as a passenger reads it: what changed, why, and the choices."""
    kind = "Expected disruption" if offer.predicted else "Disruption"
    lines = [
        f"{kind} on booking {offer.record_locator} — offer {offer.offer_id} v{offer.version}: "
        f"{_STATUS.get(offer.status, 'unknown status')}",
    ]
    if offer.explanation:
        lines.append(f"Why: {offer.explanation}")
    lines.append("Your original itinerary:")
    lines += [f"        {format_segment(segment)}" for segment in offer.original_segments] or ["        (none)"]
    if offer.options:
        lines.append("Your options:")
        for number, option in enumerate(offer.options, start=1):
            # A split group's sub-groups are all the pick (each for its own passengers).
            pick = option.option_id == offer.primary_option_id or bool(option.passenger_ids)
            lines += format_option(number, option, pick)
    if offer.chosen_option_id:
        lines.append(f"You chose: {offer.chosen_option_id}")
    if offer.status == offer_pb2.OFFER_STATUS_OPEN and offer.HasField("expire_time"):
        lines.append(f"Please answer before {_time(offer.expire_time)}.")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Answer:
    """A parsed answer: ``kind`` is a ``ResponseKind``; ``option_id`` only for a switch."""

    kind: int
    option_id: str = ""


PROMPT = "Answer: [a]ccept our pick, [s N] switch to option N, [r]efund, [q]uit > "


def parse_answer(text: str, offer: offer_pb2.Offer) -> Answer | None:
    """The answer typed for ``offer``; ``None`` to quit; ``ValueError`` with a hint when unclear."""
    words = text.strip().lower().split()
    if not words or words[0] in ("q", "quit"):
        return None
    command = words[0]
    if command in ("a", "accept") and len(words) == 1:
        return Answer(offer_pb2.RESPONSE_KIND_ACCEPT)
    if command in ("r", "refund") and len(words) == 1:
        return Answer(offer_pb2.RESPONSE_KIND_REFUND)
    if command in ("s", "switch") and len(words) == 2:
        return _switch(words[1], offer)
    raise ValueError("type a, s N, r or q")


def _switch(choice: str, offer: offer_pb2.Offer) -> Answer:
    if not choice.isdigit() or not 1 <= int(choice) <= len(offer.options):
        raise ValueError(f"choose an option between 1 and {len(offer.options)}")
    option = offer.options[int(choice) - 1]
    if option.kind == offer_pb2.OPTION_KIND_REFUND:
        return Answer(offer_pb2.RESPONSE_KIND_REFUND)
    if option.kind != offer_pb2.OPTION_KIND_REBOOK:
        raise ValueError("that option is not a flight; call the airline to talk to an agent")
    if option.option_id == offer.primary_option_id or option.passenger_ids:  # a sub-group's: the split
        return Answer(offer_pb2.RESPONSE_KIND_ACCEPT)
    return Answer(offer_pb2.RESPONSE_KIND_SWITCH, option.option_id)


def awaits_answer(offer: offer_pb2.Offer) -> bool:
    return offer.status == offer_pb2.OFFER_STATUS_OPEN and len(offer.options) > 0

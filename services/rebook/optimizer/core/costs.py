"""What a rebooking costs, in money: what the airline pays and what the passenger loses.

One cost model prices every option the optimizer weighs (candidates, greedy, the solver, the
re-plan threshold, offers): value of time, EU261/UK261 compensation, the US DOT refund right,
duty of care, downgrade refunds, the cost of leaving a party without a seat, and small costs
for changes nobody asked for.  Every term, its default and its source: ``docs/objective.md``.

Pure: plain data in, plain data out.  Where the rules apply (countries, distance bands) is in
``regions``; the prices themselves (``CostSettings``) in ``cost_settings``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from rebook.domain.model import Cabin

from .cost_settings import CostSettings
from .regions import Regime, band_of, country_of, distance_km, regime_for, utc_offset_min


class Kind(StrEnum):
    """How the regulations see the disruption: the rules differ per kind."""

    CANCELLATION = "cancellation"  # art. 5: owed unless re-routed within 2 h
    DENIED_BOARDING = "denied boarding"  # art. 4 (a down-gauge overflow): owed
    DELAY = "delay"  # Sturgeon (C-402/07): owed from 3 h late at the final destination


@dataclass(frozen=True, slots=True)
class Journey:
    """What prices every option of one booking: where it goes, under which rules, at what fare."""

    regime: Regime
    dot: bool  # a US DOT journey: refund if a significant change is not accepted
    international: bool
    band: int  # 0, 1, 2: EU261 distance band of origin → final destination
    kind: Kind
    extraordinary: bool
    cause: str
    party: int
    weight: float
    fare: float  # per passenger, the journey in the booked cabin
    booked: Cabin
    booked_legs: int
    carrier: str  # whose ``costs`` these are: part of the identity, the settings are not hashed
    costs: CostSettings = field(compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Entitlements:
    """What the passenger is owed for one option, per passenger.  ``compensation`` is in
    ``compensation_currency`` (the regime's); everything else in ``currency``."""

    currency: str
    regime: str = ""
    compensation: float = 0.0
    compensation_currency: str = ""
    compensation_reason: str = ""
    meals: int = 0
    hotel_nights: int = 0
    care: float = 0.0  # meals + hotel nights + transfers
    downgrade_refund: float = 0.0
    refund_right: bool = False  # US DOT: may decline the change for a full refund
    refund: float = 0.0  # the ticket refund if the passenger declines (or no seat is found)

    def compensation_in(self, costs: CostSettings) -> float:
        return costs.convert(self.compensation, self.compensation_currency) if self.compensation else 0.0


@dataclass(frozen=True, slots=True)
class LegChoice:
    """One leg of an option, as the cost model needs it."""

    origin: str
    destination: str
    cabin: Cabin


def is_extraordinary(cause: str, costs: CostSettings) -> bool:
    """Whether the disruption's cause code or text names an extraordinary circumstance."""
    return _names_any(cause, costs.extraordinary_causes)


@cache
def _names_any(cause: str, causes: tuple[str, ...]) -> bool:
    """Once per (cause, list): every affected booking of a disruption asks the same question."""
    words = cause.lower()
    return any(re.search(rf"\b{re.escape(c.lower())}\b", words) for c in causes)


def journey_of(
    origin: str,
    destination: str,
    carrier: str,
    kind: Kind,
    cause: str,
    party: int,
    weight: float,
    booked: Cabin,
    booked_legs: int,
    costs: CostSettings,
) -> Journey:
    region = costs.home_region or costs.carrier_regions.get(carrier, "")
    regime, dot = regime_for(origin, destination, region)
    km = distance_km(origin, destination)
    return Journey(
        regime=regime,
        dot=dot,
        international=country_of(origin) != country_of(destination),
        band=band_of(km),
        kind=kind,
        extraordinary=is_extraordinary(cause, costs),
        cause=cause,
        party=party,
        weight=weight,
        fare=costs.fare(km, booked),
        booked=booked,
        booked_legs=booked_legs,
        carrier=carrier,
        costs=costs,
    )


def delay_cost(j: Journey, delay_min: float) -> float:
    """Value of the party's lost time: a lower bound on any option's cost at this delay."""
    return j.weight * j.costs.value_of_time_per_hour * max(0.0, delay_min) / 60.0


def compensation(j: Journey, delay_min: float | None, why: bool = True) -> tuple[float, str, str]:
    """(amount per passenger, its currency, reason) owed under the journey's regime;
    ``delay_min`` None: no re-routing at all.  ``why`` False leaves the reason out (""): a
    price needs only the amount."""
    if j.regime is Regime.NONE:
        return 0.0, "", ""
    c = j.costs
    amounts, currency = (c.eu261_eur, "EUR") if j.regime is Regime.EU261 else (c.uk261_gbp, "GBP")
    full = amounts[j.band]
    if j.extraordinary:
        return 0.0, currency, f"none: extraordinary circumstances ({j.cause})" if why else ""
    if delay_min is None:
        return full, currency, f"{j.kind.value}, no re-routing" if why else ""
    hours = delay_min / 60.0
    if j.kind is Kind.CANCELLATION and hours < c.cancellation_reroute_h:
        return 0.0, currency, f"none: re-routed within {c.cancellation_reroute_h:g} h" if why else ""
    if j.kind is Kind.DELAY and hours < c.delay_threshold_h:
        return 0.0, currency, f"none: under {c.delay_threshold_h:g} h late" if why else ""
    if hours <= c.reduction_window_h[j.band]:
        halved = f"{j.kind.value}, arriving within {c.reduction_window_h[j.band]:g} h: halved" if why else ""
        return full / 2, currency, halved
    return full, currency, f"{j.kind.value}, arriving {hours:.1f} h late" if why else ""


def overnights(waits: Sequence[tuple[str, int, int]], local_hour: int) -> int:
    """Nights needing a hotel: waits (airport, from, to in epoch minutes) spanning the local hour."""
    nights = 0
    for airport, start, end in waits:
        off = utc_offset_min(airport, start // 60) - local_hour * 60
        nights += max(0, (end + off) // 1440 - (start + off) // 1440)
    return nights


def entitlements(
    j: Journey, delay_min: int, legs: Sequence[LegChoice], waits: Sequence[tuple[str, int, int]], airport_change: bool
) -> Entitlements:
    """What each passenger of the party is owed if they take this option."""
    return entitlements_for_nights(j, delay_min, legs, overnights(waits, j.costs.overnight_local_hour), airport_change)


def entitlements_for_nights(
    j: Journey, delay_min: int, legs: Sequence[LegChoice], nights: int, airport_change: bool
) -> Entitlements:
    """``entitlements`` with the waits already counted as hotel ``nights`` (``overnights``): the
    candidate search counts the nights of an itinerary's connections once for every party."""
    amount, currency, reason, meals, nights, care, refund, right = _owed(j, delay_min, legs, nights, airport_change)
    return Entitlements(
        j.costs.currency,
        j.regime.value,
        amount,
        currency,
        reason,
        meals,
        nights,
        care,
        refund,
        right,
        j.fare if right else 0.0,
    )


def option_cost_for_nights(
    j: Journey, weight: float, party: int, delay_min: int, legs: Sequence[LegChoice], nights: int, airport_change: bool
) -> float:
    """``option_cost(j.costs, weight, party, delay_min, entitlements_for_nights(...), airport_change)``
    without building the entitlements: the candidate search prices many options it then drops."""
    amount, currency, _, _, _, care, refund, right = _owed(j, delay_min, legs, nights, airport_change, why=False)
    refunded = j.fare if right else 0.0
    return _cost(j.costs, weight, party, delay_min, amount, currency, care, refund, right, refunded, airport_change)


def _owed(
    j: Journey, delay_min: int, legs: Sequence[LegChoice], nights: int, airport_change: bool, why: bool = True
) -> tuple[float, str, str, int, int, float, float, bool]:
    """(compensation, its currency, reason, meals, hotel nights, care, downgrade refund, refund
    right) per passenger: the rules behind ``Entitlements``."""
    c = j.costs
    amount, currency, reason = compensation(j, delay_min, why)
    meals = int(delay_min / 60.0 >= c.meal_after_h[j.band])
    if j.dot and j.extraordinary and j.regime is Regime.NONE:
        meals, nights = 0, 0  # US carriers commit to care only for controllable disruptions
    care = meals * c.meal + nights * (c.hotel_night + c.hotel_transfer)
    refund = 0.0
    for leg in legs:
        if leg.cabin < j.booked:
            km = distance_km(leg.origin, leg.destination)
            booked_fare = c.fare(km, j.booked)
            if j.regime is Regime.NONE:  # outside EU/UK rules: the fare difference
                refund += booked_fare - c.fare(km, leg.cabin)
            else:
                refund += c.downgrade_refund_share[band_of(km)] * booked_fare
    significant = (
        j.kind is not Kind.DELAY
        or delay_min / 60.0 >= c.dot_significant_delay_h[j.international]
        or any(leg.cabin < j.booked for leg in legs)
        or airport_change
        or len(legs) > j.booked_legs
    )
    return amount, currency, reason, meals, nights, care, refund, j.dot and significant


def option_cost(
    c: CostSettings, weight: float, party: int, delay_min: float, e: Entitlements, airport_change: bool
) -> float:
    """The cost of one option: lost time, what is owed, and the changes nobody asked for.
    Offers are priced with the same function from what they carry (``offer_costs.offer_cost``)."""
    return _cost(
        c,
        weight,
        party,
        delay_min,
        e.compensation,
        e.compensation_currency,
        e.care,
        e.downgrade_refund,
        e.refund_right,
        e.refund,
        airport_change,
    )


def _cost(
    c: CostSettings,
    weight: float,
    party: int,
    delay_min: float,
    compensation: float,
    currency: str,
    care: float,
    downgrade_refund: float,
    refund_right: bool,
    refund: float,
    airport_change: bool,
) -> float:
    compensation_in = c.convert(compensation, currency) if compensation else 0.0  # ``Entitlements.compensation_in``
    per_pax = compensation_in + care + downgrade_refund + airport_change * c.airport_change
    if refund_right:
        per_pax += c.dot_decline_share * refund
    return weight * c.value_of_time_per_hour * max(0.0, delay_min) / 60.0 + party * per_pax


def no_seat(j: Journey) -> Entitlements:
    """What each passenger is owed when no seat is found: the refund and the compensation."""
    amount, currency, reason = compensation(j, None)
    return Entitlements(j.costs.currency, j.regime.value, amount, currency, reason, refund=j.fare, refund_right=j.dot)


def no_seat_cost(c: CostSettings, weight: float, party: int, e: Entitlements) -> float:
    """Refund, goodwill, compensation (``e``: ``no_seat``) and the time lost finding one's own way."""
    lost = weight * c.value_of_time_per_hour * c.stranded_hours
    return lost + party * (e.refund + c.goodwill + e.compensation_in(c))


def split_cost(c: CostSettings, sub_groups: int) -> float:
    """What travelling as ``sub_groups`` sub-groups costs on top of their itineraries (0 whole)."""
    return c.split_group * max(0, sub_groups - 1)


def replan_threshold(j: Journey) -> float:
    """How much cheaper a re-plan must be before a passenger is sent a new version."""
    return j.party * j.costs.replan


_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def money(amount: float, currency: str) -> str:
    """E.g. ``€400``, ``£260``, ``CHF 120``."""
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount:,.0f}" if symbol else f"{currency} {amount:,.0f}"


def owed_clause(e: Entitlements | None) -> str:
    """One short sentence on what each passenger is owed, for the explanation ("" if nothing)."""
    if e is None:
        return ""
    parts = []
    if e.compensation:
        parts.append(f"{money(e.compensation, e.compensation_currency)} compensation ({e.regime})")
    if e.meals:
        parts.append("meals")
    if e.hotel_nights:
        parts.append(f"{e.hotel_nights} hotel night{'s' if e.hotel_nights > 1 else ''}")
    if e.downgrade_refund:
        parts.append(f"{money(e.downgrade_refund, e.currency)} back for the lower cabin")
    owed = f"You are owed {_joined(parts)} each" if parts else ""
    if e.refund_right:
        decline = f"you may decline this change for a {money(e.refund, e.currency)} refund (US DOT)"
        owed = f"{owed}; {decline}" if owed else decline[0].upper() + decline[1:]
    return f" {owed}." if owed else ""


def _joined(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"

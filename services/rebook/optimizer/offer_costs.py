"""What offers cost the carrier and owe their passengers, priced from what they carry with
the optimizer's cost model (``core.costs``), so ``rebook solve`` and the demo count the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rebook.domain.model import Booking
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.core.costs import Entitlements, no_seat_cost, option_cost, split_cost
from rebook.optimizer.offers import Offer, OfferOption, OptionKind


def offer_cost(offer: Offer, booking: Booking, settings: OptimizerSettings) -> float:
    """What the offer costs in the carrier's money, priced as the optimizer priced it
    (``costs``) from what the offer carries: the held itinerary's lost time and entitlements,
    or, without one, the refund option's (refund, goodwill, compensation, lost time)."""
    party = len(offer.passenger_ids)
    weight = settings.booking_weight(booking)
    c = settings.costs_for(offer.carrier)
    held = offer.held_options
    if not held or held[0].kind != OptionKind.REBOOK or not offer.holds:
        refund = offer.option("refund")
        owed = refund.entitlements if refund is not None and refund.entitlements else Entitlements(c.currency)
        return no_seat_cost(c, weight, party, owed)
    total = split_cost(c, len(held))
    for option in held:  # a split group's sub-groups, each with its share of the weight
        n = len(option.passenger_ids) or party
        owed = option.entitlements or Entitlements(c.currency)
        total += option_cost(c, weight * n / party, n, option.delay.total_seconds() / 60, owed, option.airport_change)
    return total


def total_cost(offers: Iterable[Offer], bookings: Mapping[str, Booking], settings: OptimizerSettings) -> float:
    """``offer_cost`` summed over offers (one current offer per booking), priced with ``bookings``."""
    return sum(offer_cost(o, bookings[o.record_locator], settings) for o in offers)


def total_owed(offers: Iterable[Offer], settings: OptimizerSettings) -> dict[str, float]:
    """What the current offers owe their passengers, in the carrier's money: compensation,
    care, downgrade refunds, and the refunds of parties without a seat."""
    total = {"compensation": 0.0, "care": 0.0, "downgrade_refunds": 0.0, "refunds_no_seat": 0.0}
    for offer in offers:
        held = offer.held_options
        seated = bool(held) and held[0].kind == OptionKind.REBOOK and bool(offer.holds)
        party, c = len(offer.passenger_ids), settings.costs_for(offer.carrier)
        refund = offer.option("refund") or OfferOption("", OptionKind.REFUND)
        for option in held if seated else (refund,):
            owed, n = option.entitlements, len(option.passenger_ids) or party
            if owed is None:
                continue
            total["compensation"] += n * owed.compensation_in(c)
            total["care"] += n * owed.care
            total["downgrade_refunds"] += n * owed.downgrade_refund
            total["refunds_no_seat"] += 0.0 if seated else n * owed.refund
    return {k: round(v, 1) for k, v in total.items()}

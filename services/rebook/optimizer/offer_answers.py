"""How an offer changes after it is made: a passenger's answer, expiry, and being superseded
or withdrawn by a re-plan.  Each change is a new version (``offers.next_version``); pure, and
raising without changing anything when an answer cannot apply."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rebook.domain.errors import FieldViolation, PreconditionError, ValidationError
from rebook.domain.model import Cabin
from rebook.optimizer.offers import (
    LIVE,
    Offer,
    OfferOption,
    OfferPolicy,
    OfferStatus,
    OptionKind,
    ResponseKind,
    holds_for,
    holds_of,
    next_version,
    sub_groups,
)


def same_proposal(current: Offer, planned: Offer) -> bool:
    """Whether a re-plan proposes what the passenger already has (same status and held seats)."""
    return current.status == planned.status and current.holds == planned.holds


def replan_note(previous: Offer, offer: Offer) -> str:
    """``offer``'s explanation, saying first that it replaces ``previous`` and why."""
    if previous.disruption_id != offer.disruption_id:
        why = "Your trip changed again, so this replaces our previous offer"
    elif offer.status == OfferStatus.UNACCOMMODATED:
        why = "The seats of our previous offer are no longer available"
    else:
        before, now = previous.held_option, offer.held_option
        if previous.status == OfferStatus.UNACCOMMODATED or before is None or not previous.holds:
            why = "A seat has become free since our previous offer"
        elif now is not None and before.arrival and now.arrival and now.arrival < before.arrival:
            why = "We found you an earlier arrival than in our previous offer"
        elif now is not None and before.arrival and now.arrival and now.arrival == before.arrival:
            why = "We found you a better itinerary arriving at the same time as in our previous offer"
        else:
            why = "Our previous offer could not be kept (a flight changed, left or was needed for others)"
    return f"Updated: {why}. {offer.explanation}"


def supersede(offer: Offer, now: datetime) -> Offer:
    """A newer offer replaces this one: its seats are released."""
    return next_version(offer, now, status=OfferStatus.SUPERSEDED, holds=())


def withdraw(offer: Offer, now: datetime) -> Offer:
    """The disruption was withdrawn: the original itinerary stands, held seats are released."""
    return next_version(offer, now, status=OfferStatus.WITHDRAWN, holds=())


def respond(
    offer: Offer,
    response_id: str,
    kind: ResponseKind,
    option_id: str,
    free_seats: Mapping[tuple[str, Cabin], int],
    now: datetime,
    seen_version: int = 0,
) -> Offer:
    """Applies a passenger's answer; ``free_seats`` counts seats not held by anyone (this
    offer's own holds excluded).  Raises without changing anything when it cannot apply.
    ``seen_version`` (0: not given) is the version the passenger answered: a re-plan may have
    changed the offer since, and an answer to options they never saw must not be applied."""
    if response_id and response_id in offer.response_ids:
        return offer
    if offer.status not in LIVE:
        raise PreconditionError(f"offer is {offer.status.name.lower()}; it can no longer be answered")
    if seen_version and seen_version != offer.version:
        raise PreconditionError(
            f"the offer changed after version {seen_version} (now version {offer.version}); "
            "review the current version and answer again"
        )
    answered = offer.response_ids | ({response_id} if response_id else set())
    party = len(offer.passenger_ids)
    if kind == ResponseKind.REFUND:
        return next_version(
            offer, now, status=OfferStatus.REFUNDED, holds=(), chosen_option_id="refund", response_ids=answered
        )
    if kind == ResponseKind.ACCEPT:
        if offer.status == OfferStatus.UNACCOMMODATED:
            raise PreconditionError("no itinerary was found; choose a refund or talk to an agent")
        chosen = _primary(offer)
        return next_version(
            offer,
            now,
            status=OfferStatus.ACCEPTED,
            chosen_option_id=chosen.option_id,
            holds=holds_of(_taken_with(offer, chosen), party),
            response_ids=answered,
        )
    option = offer.option(option_id)
    if option is not None and option.passenger_ids:  # a sub-group's flight: the split is accepted
        return respond(offer, response_id, ResponseKind.ACCEPT, "", free_seats, now, seen_version)
    if option is not None and option.kind == OptionKind.WAITLIST:
        return next_version(offer, now, chosen_option_id=option.option_id, response_ids=answered)
    if option is None or option.kind != OptionKind.REBOOK:
        raise ValidationError(
            [FieldViolation("response.option_id", "must name a rebook (or waitlist) option of this offer")]
        )
    short = [s.leg_id for s in option.segments if free_seats.get((s.leg_id, s.cabin), 0) < party]
    if short:
        raise PreconditionError(f"option {option_id} is no longer available: full on {', '.join(short)}")
    return next_version(
        offer,
        now,
        status=OfferStatus.ACCEPTED,
        chosen_option_id=option.option_id,
        holds=holds_for(option, party),
        response_ids=answered,
    )


def expire(offer: Offer, policy: OfferPolicy, now: datetime) -> Offer | None:
    """The expired version of an open offer past its expiry, or None."""
    if offer.status not in (OfferStatus.OPEN, OfferStatus.UNACCOMMODATED) or now < offer.expire_time:
        return None
    # Waitlisted: waits for a seat until the horizon ends, then the refund stands.
    if offer.waitlisted and (offer.horizon_end is None or now < offer.horizon_end):
        return None
    if policy.keep_on_expiry and offer.status == OfferStatus.OPEN:
        return next_version(offer, now, status=OfferStatus.EXPIRED, chosen_option_id=offer.primary_option_id)
    return next_version(offer, now, status=OfferStatus.EXPIRED, holds=(), chosen_option_id="refund")


def _primary(offer: Offer) -> OfferOption:
    chosen = offer.option(offer.primary_option_id)
    assert chosen is not None, "an offer with a seat always carries its primary option"
    return chosen


def _taken_with(offer: Offer, option: OfferOption) -> tuple[OfferOption, ...]:
    """What taking ``option`` takes: a sub-group's option takes the whole split."""
    return sub_groups(offer.options) if option.passenger_ids else (option,)

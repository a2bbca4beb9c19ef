"""Offers as plain data: what a booking is offered after a disruption, and how answers,
expiry and re-planning change it.  Pure: no grpc, no kafka.

An offer's seats are *held* only for its primary option while it is open (or protected),
and for the chosen option once accepted; alternatives are never held.  Every change makes a
new version; ``holds`` of the latest version are what the cluster counts as held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum

from rebook.domain.errors import FieldViolation, PreconditionError, ValidationError
from rebook.domain.model import Booking, Cabin, Disruption, Segment
from rebook.optimizer.core import Candidate, OptimizerSettings, RebookingOption
from rebook.optimizer.core.candidates import AirportChange
from rebook.optimizer.core.costs import Entitlements, no_seat_cost, option_cost, split_cost


class OfferStatus(IntEnum):
    """Same numbers as ``rebook.v1.OfferStatus``."""

    OPEN = 1
    ACCEPTED = 2
    REFUNDED = 3
    EXPIRED = 4
    SUPERSEDED = 5
    UNACCOMMODATED = 6
    WITHDRAWN = 7
    PROTECTED = 8


class OptionKind(IntEnum):
    """Same numbers as ``rebook.v1.OptionKind``."""

    REBOOK = 1
    REFUND = 2
    AGENT = 3
    WAITLIST = 4


class Unaccommodated(IntEnum):
    """Same numbers as ``rebook.v1.UnaccommodatedReason``."""

    UNSPECIFIED = 0
    NO_ROUTE = 1
    NO_SEAT_WITHIN_HORIZON = 2


WAITLIST_OPTION = "waitlist"


class ResponseKind(IntEnum):
    """Same numbers as ``rebook.v1.ResponseKind``."""

    ACCEPT = 1
    SWITCH = 2
    REFUND = 3


# Statuses in which the offer still holds seats and may change.
LIVE = frozenset({OfferStatus.OPEN, OfferStatus.PROTECTED, OfferStatus.UNACCOMMODATED})
HOLDING = frozenset({OfferStatus.OPEN, OfferStatus.PROTECTED, OfferStatus.ACCEPTED, OfferStatus.EXPIRED})
# Statuses of offers nobody has answered yet: planned again with each new batch of disruptions.
REPLANNABLE = frozenset({OfferStatus.OPEN, OfferStatus.PROTECTED, OfferStatus.UNACCOMMODATED})
# Answered or expired without a seat: the party left the trip (refund), so it is not planned again.
SETTLED_WITHOUT_SEAT = frozenset({OfferStatus.REFUNDED, OfferStatus.EXPIRED})


@dataclass(frozen=True, slots=True)
class OfferOption:
    option_id: str
    kind: OptionKind
    segments: tuple[Segment, ...] = ()
    arrival: datetime | None = None
    delay: timedelta = timedelta(0)
    downgrade: bool = False
    airport_change: bool = False
    entitlements: Entitlements | None = None  # per passenger, if this option is taken
    airport_changes: tuple[AirportChange, ...] = ()  # which airports it changes, in travel order
    earlier: bool = False  # leaves before the party wanted to travel (an alternative only)
    interline: bool = False  # a leg flown by an interline carrier
    # Who travels on it when a large group is split: the primary is then one option per
    # sub-group, all held and taken together; empty: the whole party.
    passenger_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeatHold:
    leg_id: str
    cabin: Cabin
    seats: int


@dataclass(frozen=True, slots=True)
class Offer:
    offer_id: str
    version: int
    record_locator: str
    carrier: str
    passenger_ids: tuple[str, ...]
    status: OfferStatus
    original_segments: tuple[Segment, ...]
    options: tuple[OfferOption, ...]
    primary_option_id: str
    holds: tuple[SeatHold, ...]
    expire_time: datetime
    explanation: str
    disruption_id: str
    disruption_version: int
    disruption_known_time: datetime
    create_time: datetime
    chosen_option_id: str = ""
    predicted: bool = False
    kept_leg_ids: frozenset[str] = frozenset()
    response_ids: frozenset[str] = frozenset()  # answers already applied (idempotency)
    unaccommodated_reason: Unaccommodated = Unaccommodated.UNSPECIFIED
    horizon_end: datetime | None = None  # the latest departure the search covered

    @property
    def waitlisted(self) -> bool:
        """Unaccommodated and the passenger chose to wait for a seat: planned again each batch."""
        return self.status == OfferStatus.UNACCOMMODATED and self.chosen_option_id == WAITLIST_OPTION

    def option(self, option_id: str) -> OfferOption | None:
        return next((o for o in self.options if o.option_id == option_id), None)

    @property
    def held_option(self) -> OfferOption | None:
        """The option whose seats are held: the chosen one once answered, else the primary
        (for a split group, its first sub-group's)."""
        if self.status not in HOLDING:
            return None
        return self.option(self.chosen_option_id or self.primary_option_id)

    @property
    def held_options(self) -> tuple[OfferOption, ...]:
        """Every option whose seats are held: the held one, or all sub-groups' of a split group."""
        held = self.held_option
        if held is None:
            return ()
        return sub_groups(self.options) if held.passenger_ids else (held,)

    @property
    def split(self) -> bool:
        """A large group travelling on several flights (held or not)."""
        return len(sub_groups(self.options)) > 1


def sub_groups(options: Iterable[OfferOption]) -> tuple[OfferOption, ...]:
    """The options of a split group's sub-groups (they are the primary, taken together)."""
    return tuple(o for o in options if o.passenger_ids)


@dataclass(frozen=True, slots=True)
class OfferPolicy:
    """Per-carrier rules: how long an offer stays open, what expiry does, predicted handling."""

    ttl: timedelta = timedelta(minutes=30)
    min_before_departure: timedelta = timedelta(minutes=40)
    keep_on_expiry: bool = True  # True: the held option stands; False: release and refund
    predicted: str = "offer"  # "offer": tell the passenger now; "protect": hold seats silently


def _option(option_id: str, candidate: Candidate, passenger_ids: tuple[str, ...] = ()) -> OfferOption:
    return OfferOption(
        option_id=option_id,
        kind=OptionKind.REBOOK,
        segments=candidate.segments,
        arrival=candidate.arrival,
        delay=timedelta(minutes=candidate.delay_min),
        downgrade=candidate.downgrade_steps > 0,
        airport_change=candidate.airport_change or bool(candidate.airport_changes),
        entitlements=candidate.entitlements,
        airport_changes=candidate.airport_changes,
        earlier=candidate.earlier,
        interline=candidate.interline,
        passenger_ids=passenger_ids,
    )


def holds_for(option: OfferOption | None, party: int) -> tuple[SeatHold, ...]:
    """Seats ``option`` takes: for ``party``, or for its own passengers (a sub-group)."""
    if option is None or option.kind != OptionKind.REBOOK:
        return ()
    seats = len(option.passenger_ids) or party
    return tuple(SeatHold(s.leg_id, s.cabin, seats) for s in option.segments)


def holds_of(options: Iterable[OfferOption], party: int) -> tuple[SeatHold, ...]:
    return tuple(h for o in options for h in holds_for(o, party))


def _taken_with(offer: Offer, option: OfferOption) -> tuple[OfferOption, ...]:
    """What taking ``option`` takes: a sub-group's option takes the whole split."""
    return sub_groups(offer.options) if option.passenger_ids else (option,)


def build_offer(
    plan_option: RebookingOption,
    disruption: Disruption,
    policy: OfferPolicy,
    now: datetime,
) -> Offer:
    """The first version of the offer for one affected booking, made at ``now`` or, when it
    answers a disruption known later (one solve of a whole day), when that became known: no
    offer exists before its cause, nor expires before anyone knew of it."""
    made = max(now, disruption.known_time)
    booking: Booking = plan_option.affected.booking
    options: list[OfferOption] = []
    if plan_option.split:
        options += [_option(f"opt-{i}", g.candidate, g.passenger_ids) for i, g in enumerate(plan_option.split, 1)]
    elif plan_option.primary is not None:
        options.append(_option("opt-1", plan_option.primary))
    options += [_option(f"opt-{i}", c) for i, c in enumerate(plan_option.alternatives, start=len(options) + 1)]
    options.append(OfferOption("refund", OptionKind.REFUND, entitlements=plan_option.no_seat))
    unseated = plan_option.unseated
    reason = _NO_SEAT.get(unseated.value if unseated else "", Unaccommodated.UNSPECIFIED)
    if plan_option.primary is None:
        if reason == Unaccommodated.NO_SEAT_WITHIN_HORIZON:
            options.append(OfferOption(WAITLIST_OPTION, OptionKind.WAITLIST))
        options.append(OfferOption("agent", OptionKind.AGENT))
        status = OfferStatus.UNACCOMMODATED
    elif disruption.predicted and policy.predicted == "protect":
        status = OfferStatus.PROTECTED
    else:
        status = OfferStatus.OPEN
    primary = options[0]
    return Offer(
        offer_id=f"{booking.record_locator}/{disruption.disruption_id}",
        version=1,
        record_locator=booking.record_locator,
        carrier=disruption.carrier,
        passenger_ids=tuple(p.passenger_id for p in booking.passengers),
        status=status,
        original_segments=booking.segments,
        options=tuple(options),
        primary_option_id=primary.option_id,
        holds=holds_of(sub_groups(options) or (primary,), booking.party_size)
        if status != OfferStatus.UNACCOMMODATED
        else (),
        expire_time=_expiry([g.candidate for g in plan_option.split] or [plan_option.primary], policy, made),
        explanation=plan_option.explanation,
        disruption_id=disruption.disruption_id,
        disruption_version=disruption.version,
        disruption_known_time=disruption.known_time,
        create_time=made,
        predicted=disruption.predicted,
        kept_leg_ids=frozenset(s.leg_id for s in plan_option.affected.kept),
        unaccommodated_reason=reason if plan_option.primary is None else Unaccommodated.UNSPECIFIED,
        horizon_end=plan_option.horizon_end,
    )


_NO_SEAT = {
    "no_route": Unaccommodated.NO_ROUTE,
    "no_seat_within_horizon": Unaccommodated.NO_SEAT_WITHIN_HORIZON,
}


def _expiry(held: Iterable[Candidate | None], policy: OfferPolicy, now: datetime) -> datetime:
    """The TTL, cut to answer before the first held flight leaves."""
    expire = now + policy.ttl
    for candidate in held:
        if candidate is not None:
            expire = min(expire, candidate.departure - policy.min_before_departure)
    return max(expire, now + timedelta(minutes=5))


def next_version(offer: Offer, now: datetime, **changes) -> Offer:
    return replace(offer, version=offer.version + 1, create_time=now, **changes)


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
        chosen = offer.option(offer.primary_option_id)
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


def new_segments(offer: Offer, option: OfferOption) -> tuple[Segment, ...]:
    """The itinerary if ``option`` is taken: the option's legs where the released ones were,
    between the kept legs before them and those of the record's later journeys."""
    original = offer.original_segments
    first = next((i for i, s in enumerate(original) if s.leg_id not in offer.kept_leg_ids), len(original))
    after = tuple(s for s in original[first:] if s.leg_id in offer.kept_leg_ids)
    return (*original[:first], *option.segments, *after)


def effective_segments(booking: Booking, offer: Offer | None) -> tuple[Segment, ...]:
    """Where the party is booked now: the held option of a live offer replaces the disrupted part."""
    option = offer.held_option if offer is not None else None
    if offer is None or option is None or not offer.holds:
        return booking.segments
    return new_segments(offer, option)

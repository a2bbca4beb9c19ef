"""Offers as plain data: what a booking is offered after a disruption.  How answers, expiry
and re-planning change an offer is in ``offer_answers``; what it costs in ``offer_costs``.
Pure: no grpc, no kafka.

An offer's seats are *held* only for its primary option while it is open (or protected),
and for the chosen option once accepted; alternatives are never held.  Every change makes a
new version; ``holds`` of the latest version are what the cluster counts as held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum

from rebook.domain.model import Booking, Cabin, Disruption, Segment
from rebook.optimizer.core import Candidate, RebookingOption
from rebook.optimizer.core.candidate import AirportChange
from rebook.optimizer.core.costs import Entitlements


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

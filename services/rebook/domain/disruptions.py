"""Every disruption kind in one table: how it is detected, what it does to a leg, why it makes
a booking move and how that is said to the passenger.

Two services read this table.  The flight-state core's ``flightops.rules.expected`` (the
detector's) runs each kind's ``detect`` on a leg's ``LegFacts``; the optimizer applies ``effect`` to its view of the leg
(``engine.planning_flights``), blames ``reason`` for a broken trip (``core/affected.py``),
says ``what`` happened (``core/explain.py``) and keeps passengers off legs ``avoid_when_predicted``
marks (``predicted_unusable``, read by the plan pipeline ``core/rebook.py``).

Adding a kind: the value in ``proto/rebook/v1/disruption.proto`` and ``DisruptionKind``
(``tests/unit/domain/test_enum_agreement.py`` checks they agree), then one ``KindRule`` row
here with its detection function.  Nothing else switches on the kind.

Design of withdrawal: every situation has one stable id ``{KIND}:{leg_id}``; the detector
withdraws the last version when the situation ends (see ``flightops/rules.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from .model import Cabin, Disruption, DisruptionKind, FlightLeg, FlightStatus

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Reason(Enum):
    """Why a booking must be rebooked."""

    CANCELLED = "cancelled"
    MISCONNECTION = "misconnection"
    DOWNGAUGE = "downgauge"
    DIVERSION = "diversion"


@dataclass(frozen=True, slots=True)
class Prediction:
    """Knock-on times of a leg whose aircraft cannot be ready for its best-known departure."""

    departure: datetime
    arrival: datetime
    cause_leg_id: str  # the leg whose reported lateness started the chain
    cause: str


@dataclass(frozen=True, slots=True)
class LegFacts:
    """What the detector knows about one leg when it decides its disruptions."""

    leg: FlightLeg
    delay_threshold: timedelta  # the carrier's: a smaller retiming is published, not announced
    prediction: Prediction | None = None  # from the aircraft's rotation
    risk_cause_leg_id: str = ""  # a same-day cancelled leg of the rotation, no swap known
    cancel_reason: str = ""
    old_capacity: Mapping[Cabin, int] | None = None  # before the last equipment change


@dataclass(frozen=True, slots=True)
class KindRule:
    """One disruption kind, end to end.

    ``detect`` gives the leg's disruption of this kind (content only: version and known_time
    are stamped when it is emitted), or ``None``.  ``supersedes``: when it holds, the leg has
    no other disruption.  ``effect`` is the leg as the disruption says it is now.
    ``reason``/``what``: why a booking broken by it moves, and the words for it.
    """

    kind: DisruptionKind
    detect: Callable[[LegFacts], Disruption | None] | None
    effect: Callable[[FlightLeg, Disruption], FlightLeg]
    reason: Reason | None = None
    what: str = ""
    supersedes: bool = False
    avoid_when_predicted: bool = False  # nobody is rebooked onto a leg it is predicted for
    at_risk: bool = False  # the leg stays usable, at a risk cost


_KIND_NAMES = {kind: kind.name for kind in DisruptionKind}  # Enum.name is a slow property


def disruption_id(kind: DisruptionKind, leg_id: str) -> str:
    return f"{_KIND_NAMES[kind]}:{leg_id}"


def span_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _draft(kind: DisruptionKind, leg: FlightLeg, **fields: Any) -> Disruption:
    return Disruption(
        disruption_id=disruption_id(kind, leg.leg_id),
        version=0,
        kind=kind,
        carrier=leg.carrier,
        leg_ids=(leg.leg_id,),
        known_time=_EPOCH,
        **fields,
    )


# --- detection -------------------------------------------------------------------------------


def _cancellation(facts: LegFacts) -> Disruption | None:
    leg = facts.leg
    if not leg.cancelled:
        return None
    return _draft(
        DisruptionKind.CANCELLATION,
        leg,
        cause=facts.cancel_reason or "cancelled",
        old_departure=leg.scheduled_departure,
        old_arrival=leg.scheduled_arrival,
    )


def _delay(facts: LegFacts) -> Disruption | None:
    """Any retiming of a leg, reported or predicted.  A connection breaks on its minimum
    connection time whatever the delay's size, so a retiming below the carrier's threshold is
    published too, flagged ``below_threshold`` (not announced as a delay; the optimizer still
    checks the connections over it)."""
    leg, prediction = facts.leg, facts.prediction
    source = prediction or leg
    departure, arrival = source.departure, source.arrival
    if departure == leg.scheduled_departure and arrival == leg.scheduled_arrival:
        return None
    late = max(departure - leg.scheduled_departure, arrival - leg.scheduled_arrival)
    minor = late < facts.delay_threshold
    reported = f"retimed by {span_text(late)}" if minor else f"reported late by {span_text(late)}"
    return _draft(
        DisruptionKind.DELAY,
        leg,
        predicted=prediction is not None,
        below_threshold=minor,
        cause_leg_id=prediction.cause_leg_id if prediction else "",
        cause=prediction.cause if prediction else reported,
        old_departure=leg.scheduled_departure,
        new_departure=departure,
        old_arrival=leg.scheduled_arrival,
        new_arrival=arrival,
    )


def _diversion(facts: LegFacts) -> Disruption | None:
    leg = facts.leg
    if not leg.diverted_to:
        return None
    return _draft(DisruptionKind.DIVERSION, leg, diverted_to=leg.diverted_to, cause="diverted")


def _all_cabins(leg: FlightLeg) -> dict[Cabin, int]:
    """Capacity including sold cabins the aircraft no longer offers (capacity 0)."""
    return {cabin: leg.capacity.get(cabin, 0) for cabin in {*leg.capacity, *leg.sold}}


def _downgauge(facts: LegFacts) -> Disruption | None:
    """A cabin now holds fewer seats than were sold *and* than it held before the equipment
    change.  Sold above an unchanged capacity is the airline's overbooking, not a down-gauge."""
    leg, old_capacity = facts.leg, facts.old_capacity
    before = leg.capacity if old_capacity is None else old_capacity
    cabins = _all_cabins(leg)
    if not any(seats < min(leg.sold.get(cabin, 0), before.get(cabin, seats)) for cabin, seats in cabins.items()):
        return None
    short = ", ".join(
        f"{cabin.name} {seats}<{leg.sold.get(cabin, 0)}"
        for cabin, seats in sorted(cabins.items())
        if seats < leg.sold.get(cabin, 0)
    )
    return _draft(
        DisruptionKind.DOWNGAUGE,
        leg,
        cause=f"{leg.aircraft_type or 'aircraft'} {leg.tail_number}: seats below sold ({short})".strip(),
        old_capacity=dict(before),
        new_capacity=dict(leg.capacity),
    )


def _at_risk(facts: LegFacts) -> Disruption | None:
    leg, cause_leg = facts.leg, facts.risk_cause_leg_id
    if not cause_leg:
        return None
    return _draft(
        DisruptionKind.ROTATION_AT_RISK,
        leg,
        predicted=True,
        cause_leg_id=cause_leg,
        cause=f"aircraft {leg.tail_number} loses {cause_leg} (cancelled), no swap known",
        old_departure=leg.scheduled_departure,
        old_arrival=leg.scheduled_arrival,
    )


# --- effect on a leg -------------------------------------------------------------------------


def _cancelled(leg: FlightLeg, d: Disruption) -> FlightLeg:
    return replace(leg, status=FlightStatus.CANCELLED)


def _retimed(leg: FlightLeg, d: Disruption) -> FlightLeg:
    departure = max(filter(None, (leg.estimated_departure, d.new_departure)), default=None)
    arrival = max(filter(None, (leg.estimated_arrival, d.new_arrival)), default=None)
    return replace(leg, estimated_departure=departure, estimated_arrival=arrival)


def _diverted(leg: FlightLeg, d: Disruption) -> FlightLeg:
    return replace(leg, status=FlightStatus.DIVERTED, diverted_to=d.diverted_to or leg.diverted_to)


def _regauged(leg: FlightLeg, d: Disruption) -> FlightLeg:
    return replace(leg, capacity=dict(d.new_capacity)) if d.new_capacity else leg


def _unchanged(leg: FlightLeg, d: Disruption) -> FlightLeg:
    return leg


# Row order is detection order (and the order of the detector's per-kind metrics).
KINDS: Mapping[DisruptionKind, KindRule] = {
    rule.kind: rule
    for rule in (
        KindRule(
            DisruptionKind.CANCELLATION,
            _cancellation,
            _cancelled,
            Reason.CANCELLED,
            "was cancelled",
            supersedes=True,
            avoid_when_predicted=True,
        ),
        KindRule(
            DisruptionKind.DELAY,
            _delay,
            _retimed,
            Reason.MISCONNECTION,
            "can no longer be reached in time because of a delay",
        ),
        KindRule(DisruptionKind.DIVERSION, _diversion, _diverted, Reason.DIVERSION, "was diverted"),
        KindRule(
            DisruptionKind.DOWNGAUGE,
            _downgauge,
            _regauged,
            Reason.DOWNGAUGE,
            "is now operated by a smaller aircraft without enough seats",
        ),
        KindRule(DisruptionKind.ROTATION_AT_RISK, _at_risk, _unchanged, at_risk=True),
        # Expressed as a withdrawn CANCELLATION; never detected or planned on by itself.
        KindRule(DisruptionKind.REINSTATEMENT, None, _unchanged),
    )
}

# Kinds a single leg can have, in detection order.
LEG_KINDS: tuple[DisruptionKind, ...] = tuple(kind for kind, rule in KINDS.items() if rule.detect)
_DETECTORS = tuple((rule, rule.detect) for rule in KINDS.values() if rule.detect)


def detect(facts: LegFacts) -> dict[str, Disruption]:
    """Every disruption the leg should currently have, by id (content only)."""
    found: dict[str, Disruption] = {}
    for rule, find in _DETECTORS:
        draft = find(facts)
        if draft is None:
            continue
        if rule.supersedes:
            return {draft.disruption_id: draft}
        found[draft.disruption_id] = draft
    return found


def with_disruption(leg: FlightLeg, d: Disruption) -> FlightLeg:
    """``leg`` as the (live) disruption ``d`` says it is."""
    return KINDS[d.kind].effect(leg, d)


def predicted_unusable(disruptions: Iterable[Disruption]) -> frozenset[str]:
    """Legs no one should be rebooked onto: predicted cancellations.  A rotation at risk is
    not among them: the detector flags a leg only when its aircraft is really out of
    position, and even then a swap may come, so it stays usable at a risk cost
    (``rotation_at_risk``, ``OptimizerSettings.rotation_risk_cost``)."""
    return frozenset(
        lid
        for d in disruptions
        if not d.withdrawn and d.predicted and KINDS[d.kind].avoid_when_predicted
        for lid in d.leg_ids
    )


def rotation_at_risk(disruptions: Iterable[Disruption]) -> frozenset[str]:
    """Legs whose aircraft is out of position after a cancellation, with no swap known."""
    return frozenset(lid for d in disruptions if not d.withdrawn and KINDS[d.kind].at_risk for lid in d.leg_ids)


# Reason → the kinds whose disruptions break a trip for that reason, and what it says (the
# first row's words when several kinds share a reason).
KINDS_OF_REASON: Mapping[Reason, frozenset[DisruptionKind]] = {
    reason: frozenset(k for k, r in KINDS.items() if r.reason is reason) for reason in Reason
}
WHAT: Mapping[Reason, str] = {reason: next(r.what for r in KINDS.values() if r.reason is reason) for reason in Reason}

"""Disruption rules: what disruptions a leg should have, and rotation propagation.

Design of withdrawal: every situation has one stable id ``{KIND}:{leg_id}``.  When a
situation ends, the last version is re-emitted with ``withdrawn=True`` and version+1:
a reinstatement withdraws ``CANCELLATION:{leg}`` (no separate REINSTATEMENT disruption),
a recovered delay withdraws ``DELAY:{leg}``, a swapped aircraft withdraws
``ROTATION_AT_RISK:{leg}``.  Consumers therefore only ever track the latest version per id.

A leg's reported and predicted delays share ``DELAY:{leg}``: whichever is later wins, so
a prediction turns into a reported delay (or back) as a new version of one situation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightLeg

from .records import replace
from .settings import DetectorSettings

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What makes two versions "the same situation": everything but version and known_time.
_content = attrgetter(*(f.name for f in fields(Disruption) if f.name not in ("version", "known_time")))


@dataclass(frozen=True, slots=True)
class Prediction:
    """Knock-on times of a leg whose aircraft cannot be ready for its best-known departure."""

    departure: datetime
    arrival: datetime
    cause_leg_id: str  # the leg whose reported lateness started the chain
    cause: str


@dataclass(frozen=True, slots=True)
class Carry:
    """What an aircraft carries from one leg of its rotation to the next."""

    arrival: datetime | None = None  # effective arrival of the previous leg
    arrival_leg_id: str = ""  # the previous leg
    cause_leg_id: str = ""  # root cause of the previous leg's lateness, if predicted
    risk_cause_leg_id: str = ""  # a same-day cancelled leg with no aircraft swap
    risk_date: date | None = None
    stranded_at: str = ""  # where the aircraft stays after that cancellation (same day only)


@dataclass(frozen=True, slots=True)
class RotationView:
    """A leg as seen through its aircraft's rotation."""

    prediction: Prediction | None = None
    risk_cause_leg_id: str = ""
    carry: Carry = Carry()


NO_ROTATION = RotationView()


def step(carry: Carry, leg: FlightLeg, turn: timedelta) -> RotationView:
    """Moves the aircraft across ``leg``: predicts its delay and what it carries onwards.

    A cancelled leg leaves the aircraft where it was (``stranded_at``).  A later same-day leg
    is at risk only when it departs from somewhere else (the aircraft is out of position and
    no swap is known); one departing where the aircraft stands is flown as planned, so a
    cancelled A→B→A pair puts nothing after it at risk."""
    stranded = carry.stranded_at if carry.risk_date == leg.operating_date else ""
    if leg.cancelled:
        risk = (carry.risk_cause_leg_id if stranded else "") or leg.leg_id  # the day's first cancellation
        where = stranded or leg.origin
        onward = replace(carry, risk_cause_leg_id=risk, risk_date=leg.operating_date, stranded_at=where)
        return RotationView(carry=onward)
    if stranded and leg.origin != stranded:  # out of position: it does not fly this leg
        return RotationView(None, carry.risk_cause_leg_id, carry)
    prediction = None
    if carry.arrival is not None and not leg.departed:
        ready = carry.arrival + turn
        if ready > leg.departure:  # an airline estimate at or after `ready` is kept as it is
            shift = ready - leg.departure
            root = carry.cause_leg_id or carry.arrival_leg_id
            cause = f"inbound {carry.arrival_leg_id} arrives {carry.arrival:%H:%M}Z, min turn {_span(turn)}"
            prediction = Prediction(ready, leg.arrival + shift, root, cause)
    onward = Carry(
        arrival=prediction.arrival if prediction else leg.arrival,
        arrival_leg_id=leg.leg_id,
        cause_leg_id=prediction.cause_leg_id if prediction else "",
    )
    return RotationView(prediction, "", onward)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


_KIND_NAMES = {kind: kind.name for kind in DisruptionKind}  # Enum.name is a slow property


def disruption_id(kind: DisruptionKind, leg_id: str) -> str:
    return f"{_KIND_NAMES[kind]}:{leg_id}"


def _draft(kind: DisruptionKind, leg: FlightLeg, **fields: object) -> Disruption:
    """A disruption's content; version and known_time are stamped when it is emitted."""
    return Disruption(
        disruption_id=disruption_id(kind, leg.leg_id),
        version=0,
        kind=kind,
        carrier=leg.carrier,
        leg_ids=(leg.leg_id,),
        known_time=_EPOCH,
        **fields,  # type: ignore[arg-type]
    )


def expected(
    leg: FlightLeg,
    view: RotationView,
    settings: DetectorSettings,
    *,
    cancel_reason: str = "",
    old_capacity: Mapping[Cabin, int] | None = None,
) -> dict[str, Disruption]:
    """Every disruption ``leg`` should currently have, by id (content only)."""
    if leg.cancelled:  # a cancellation supersedes everything else about the leg
        return {disruption_id(DisruptionKind.CANCELLATION, leg.leg_id): _cancellation(leg, cancel_reason)}
    drafts = [d for d in (_delay(leg, view.prediction, settings), _at_risk(leg, view)) if d]
    if leg.diverted_to:
        drafts.append(_draft(DisruptionKind.DIVERSION, leg, diverted_to=leg.diverted_to, cause="diverted"))
    if _seats_lost(leg, old_capacity):
        drafts.append(_downgauge(leg, old_capacity))
    return {d.disruption_id: d for d in drafts}


def _seats_lost(leg: FlightLeg, old_capacity: Mapping[Cabin, int] | None) -> bool:
    """A cabin now holds fewer seats than were sold *and* than it held before (``old_capacity``:
    the capacity before the equipment change).  Sold above an unchanged capacity is the
    airline's overbooking, not a down-gauge."""
    before = leg.capacity if old_capacity is None else old_capacity
    return any(
        seats < min(leg.sold.get(cabin, 0), before.get(cabin, seats)) for cabin, seats in _all_cabins(leg).items()
    )


def _all_cabins(leg: FlightLeg) -> dict[Cabin, int]:
    """Capacity including sold cabins the aircraft no longer offers (capacity 0)."""
    return {cabin: leg.capacity.get(cabin, 0) for cabin in {*leg.capacity, *leg.sold}}


def _cancellation(leg: FlightLeg, reason: str) -> Disruption:
    return _draft(
        DisruptionKind.CANCELLATION,
        leg,
        cause=reason or "cancelled",
        old_departure=leg.scheduled_departure,
        old_arrival=leg.scheduled_arrival,
    )


def _delay(leg: FlightLeg, prediction: Prediction | None, settings: DetectorSettings) -> Disruption | None:
    """Any retiming of a leg, reported or predicted.  A connection breaks on its minimum
    connection time whatever the delay's size, so a retiming below the carrier's threshold is
    published too, flagged ``below_threshold`` (not announced as a delay; the optimizer still
    checks the connections over it)."""
    source = prediction or leg
    departure, arrival = source.departure, source.arrival
    if departure == leg.scheduled_departure and arrival == leg.scheduled_arrival:
        return None
    late = max(departure - leg.scheduled_departure, arrival - leg.scheduled_arrival)
    minor = late < settings.delay_threshold(leg.carrier)
    reported = f"retimed by {_span(late)}" if minor else f"reported late by {_span(late)}"
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


def _at_risk(leg: FlightLeg, view: RotationView) -> Disruption | None:
    if not view.risk_cause_leg_id:
        return None
    return _draft(
        DisruptionKind.ROTATION_AT_RISK,
        leg,
        predicted=True,
        cause_leg_id=view.risk_cause_leg_id,
        cause=f"aircraft {leg.tail_number} loses {view.risk_cause_leg_id} (cancelled), no swap known",
        old_departure=leg.scheduled_departure,
        old_arrival=leg.scheduled_arrival,
    )


def _downgauge(leg: FlightLeg, old_capacity: Mapping[Cabin, int] | None) -> Disruption:
    short = ", ".join(
        f"{cabin.name} {seats}<{leg.sold.get(cabin, 0)}"
        for cabin, seats in sorted(_all_cabins(leg).items())
        if seats < leg.sold.get(cabin, 0)
    )
    return _draft(
        DisruptionKind.DOWNGAUGE,
        leg,
        cause=f"{leg.aircraft_type or 'aircraft'} {leg.tail_number}: seats below sold ({short})".strip(),
        old_capacity=dict(old_capacity if old_capacity is not None else leg.capacity),
        new_capacity=dict(leg.capacity),
    )


def next_version(current: Disruption | None, draft: Disruption | None, now: datetime) -> Disruption | None:
    """The version to publish to move ``current`` to ``draft``, or ``None`` if unchanged.

    ``draft is None`` means the situation no longer holds: an active ``current`` is withdrawn.
    """
    if draft is None:
        if current is None or current.withdrawn:
            return None
        return replace(current, version=current.version + 1, withdrawn=True, known_time=now)
    if current is not None and _content(current) == _content(draft):
        return None
    return replace(draft, version=(current.version if current else 0) + 1, known_time=now)


# Kinds a single leg can have; REINSTATEMENT is expressed as a withdrawn CANCELLATION.
LEG_KINDS = (
    DisruptionKind.CANCELLATION,
    DisruptionKind.DELAY,
    DisruptionKind.DIVERSION,
    DisruptionKind.DOWNGAUGE,
    DisruptionKind.ROTATION_AT_RISK,
)

"""Disruption rules: what disruptions a leg should have, and rotation propagation.

Design of withdrawal: every situation has one stable id ``{KIND}:{leg_id}``.  When a
situation ends, the last version is re-emitted with ``withdrawn=True`` and version+1:
a reinstatement withdraws ``CANCELLATION:{leg}`` (no separate REINSTATEMENT disruption),
a recovered delay withdraws ``DELAY:{leg}``, a swapped aircraft withdraws
``ROTATION_AT_RISK:{leg}``.  Consumers therefore only ever track the latest version per id.

What each kind's rule is lives in ``rebook.domain.disruptions.KINDS``; this module follows
the aircraft's rotation and versions what the rules give.

A leg's reported and predicted delays share ``DELAY:{leg}``: whichever is later wins, so
a prediction turns into a reported delay (or back) as a new version of one situation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from operator import attrgetter

from rebook.domain.disruptions import LEG_KINDS, LegFacts, Prediction, detect, disruption_id, span_text
from rebook.domain.model import Cabin, Disruption, FlightLeg

from .records import replace
from .settings import DetectorSettings

# LEG_KINDS, Prediction and disruption_id are the domain table's, re-exported for the store.
__all__ = [
    "LEG_KINDS",
    "NO_ROTATION",
    "Carry",
    "Prediction",
    "RotationView",
    "disruption_id",
    "expected",
    "next_version",
    "step",
]

# What makes two versions "the same situation": everything but version and known_time.
_content = attrgetter(*(f.name for f in fields(Disruption) if f.name not in ("version", "known_time")))


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
            cause = f"inbound {carry.arrival_leg_id} arrives {carry.arrival:%H:%M}Z, min turn {span_text(turn)}"
            prediction = Prediction(ready, leg.arrival + shift, root, cause)
    onward = Carry(
        arrival=prediction.arrival if prediction else leg.arrival,
        arrival_leg_id=leg.leg_id,
        cause_leg_id=prediction.cause_leg_id if prediction else "",
    )
    return RotationView(prediction, "", onward)


def expected(
    leg: FlightLeg,
    view: RotationView,
    settings: DetectorSettings,
    *,
    cancel_reason: str = "",
    old_capacity: Mapping[Cabin, int] | None = None,
) -> dict[str, Disruption]:
    """Every disruption ``leg`` should currently have, by id (content only): the rules of
    ``rebook.domain.disruptions.KINDS`` applied to what the rotation says about the leg."""
    facts = LegFacts(
        leg,
        settings.delay_threshold(leg.carrier),
        view.prediction,
        view.risk_cause_leg_id,
        cancel_reason,
        old_capacity,
    )
    return detect(facts)


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

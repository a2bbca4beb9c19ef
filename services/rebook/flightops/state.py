"""The flight state: every leg, every aircraft rotation, every published disruption.

Writes are transactional: a write is validated, its effect computed into a ``_Plan`` over
copies, and only then committed, so a failure never leaves half an event applied.  Per
event the work is O(log n) lookups plus a walk of the affected rotations that stops as
soon as the knock-on effect has been absorbed.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rebook.domain.errors import ValidationError
from rebook.domain.model import Disruption, DisruptionKind, FlightLeg

from .events import (
    ActualTimes,
    Cancellation,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)
from .records import replace
from .rules import LEG_KINDS, NO_ROTATION, Carry, RotationView, disruption_id, expected, next_version, step
from .settings import DetectorSettings
from .transitions import derive_status, transition
from .validation import check_event_against_leg, check_event_shape, check_event_time, schedule_violations

# What a schedule (re)load may change on a known leg; operational state comes from events.
SCHEDULE_FIELDS = (
    "carrier",
    "flight_number",
    "operating_date",
    "origin",
    "destination",
    "scheduled_departure",
    "scheduled_arrival",
    "capacity",
    "sold",
    "tail_number",
    "aircraft_type",
    "min_turn",
)

# Events of one category supersede each other; an older one arriving late is stale.
_CATEGORY: dict[type, str] = {
    EstimateChange: "estimate",
    Cancellation: "status",
    Reinstatement: "status",
    Diversion: "status",
    EquipmentChange: "equipment",
    ActualTimes: "actuals",
}

RotationKey = tuple[datetime, str]  # (scheduled departure, leg id): the rotation order


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """Outcome of one event: changed legs (version bumped) and disruption versions to publish."""

    legs: list[FlightLeg] = field(default_factory=list)
    disruptions: list[Disruption] = field(default_factory=list)
    duplicate: bool = False  # the event id was seen before
    stale: bool = False  # older than an event of the same kind already applied to the leg

    @property
    def applied(self) -> bool:
        return not (self.duplicate or self.stale)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Outcome of a schedule load, with the counts LoadScheduleResponse reports."""

    created: int
    updated: int
    unchanged: int
    legs: list[FlightLeg]
    disruptions: list[Disruption]
    # Refused legs (a non-atomic load): position in the load → why; nothing of them applied.
    rejected: dict[int, ValidationError] = field(default_factory=dict)


@dataclass(slots=True)
class _Plan:
    """Everything one write changes, computed on copies before anything is committed."""

    legs: dict[str, FlightLeg]
    rotations: dict[str, list[RotationKey]] = field(default_factory=dict)
    views: dict[str, RotationView] = field(default_factory=dict)
    disruptions: list[Disruption] = field(default_factory=list)


def _key(leg: FlightLeg) -> RotationKey:
    return leg.scheduled_departure, leg.leg_id


class FlightStateStore:
    """In-memory state of all legs; the single writer of the flights and disruptions topics."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        self._reset()

    def _reset(self) -> None:
        self._legs: dict[str, FlightLeg] = {}
        self._rotations: dict[str, list[RotationKey]] = {}
        self._views: dict[str, RotationView] = {}  # only legs that fly in a rotation
        self._disruptions: dict[str, Disruption] = {}  # latest version per id
        self._reasons: dict[str, str] = {}  # cancellation reason per leg
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._last_event: dict[tuple[str, str], datetime] = {}

    # ---- reads -------------------------------------------------------------------------

    def get_leg(self, leg_id: str) -> FlightLeg | None:
        return self._legs.get(leg_id)

    def legs(self) -> Iterator[FlightLeg]:
        return iter(self._legs.values())

    def rotation(self, tail_number: str) -> list[FlightLeg]:
        """The aircraft's legs in scheduled-departure order."""
        return [self._legs[leg_id] for _, leg_id in self._rotations.get(tail_number, ())]

    def view(self, leg_id: str) -> RotationView:
        """Predicted knock-on delay / rotation risk of a leg."""
        return self._views.get(leg_id, NO_ROTATION)

    def get_disruption(self, disruption_id_: str) -> Disruption | None:
        return self._disruptions.get(disruption_id_)

    def disruptions(
        self,
        *,
        carrier: str = "",
        airport: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        include_withdrawn: bool = False,
    ) -> list[Disruption]:
        """Latest version of each disruption matching every given filter (ListDisruptions)."""
        return [
            d
            for d in self._disruptions.values()
            if (include_withdrawn or not d.withdrawn)
            and (not carrier or d.carrier == carrier)
            and (start is None or d.known_time >= start)
            and (end is None or d.known_time < end)
            and (not airport or self._touches(d, airport))
        ]

    def _touches(self, d: Disruption, airport: str) -> bool:
        legs = (self._legs.get(leg_id) for leg_id in d.leg_ids)
        return any(leg and airport in (leg.origin, leg.destination, leg.diverted_to) for leg in legs)

    # ---- writes ------------------------------------------------------------------------

    def load_schedule(
        self, legs: Sequence[FlightLeg], now: datetime, *, atomic: bool = True, paths: Sequence[str] | None = None
    ) -> LoadResult:
        """Creates or updates many legs at once; every leg is validated before any is applied.

        ``atomic``: one bad leg raises ``ValidationError`` (all violations) and nothing is
        applied; otherwise the valid legs are applied and the others returned in ``rejected``
        (``paths[i]`` names ``legs[i]`` in the violations).  A new leg is taken as given
        (version 1).  For a known leg only ``SCHEDULE_FIELDS`` are taken, so a schedule reload
        never erases estimates, cancellations or actuals.
        """
        found = schedule_violations(legs, paths=paths)
        if atomic and found:
            raise ValidationError([v for i in sorted(found) for v in found[i]])
        rejected = {i: ValidationError(found[i]) for i in sorted(found)}
        legs = [leg for i, leg in enumerate(legs) if i not in rejected]
        updates: dict[str, FlightLeg] = {}
        created = unchanged = 0
        for leg in legs:
            current = self._legs.get(leg.leg_id)
            if current is None:
                updates[leg.leg_id] = replace(leg, version=1, status=derive_status(leg))
                created += 1
                continue
            merged = replace(current, **{name: getattr(leg, name) for name in SCHEDULE_FIELDS})
            merged = replace(merged, status=derive_status(merged))
            if merged == current:
                unchanged += 1
            else:
                updates[leg.leg_id] = replace(merged, version=current.version + 1)
        plan = self._plan(updates, now, {})
        self._commit(plan, {})
        updated = len(updates) - created
        return LoadResult(created, updated, unchanged, list(updates.values()), plan.disruptions, rejected)

    def apply(self, event: FlightEvent, now: datetime) -> ApplyResult:
        """Applies one event whole, or raises ``ValidationError``/``NotFoundError`` untouched.

        A replayed event id, an event whose content is already reflected, and an event older
        than one of the same kind already applied all change nothing.
        """
        check_event_shape(event)
        check_event_time(event, now, self.settings.max_future_skew, self.settings.max_event_age)
        if event.event_id in self._seen:
            self._seen.move_to_end(event.event_id)
            return ApplyResult(duplicate=True)
        leg = self._legs.get(event.leg_id)
        check_event_against_leg(event, leg)
        assert leg is not None  # checked above; narrows the type
        last_key = (leg.leg_id, _CATEGORY[type(event.change)])
        last = self._last_event.get(last_key)
        if last is not None and event.event_time < last:
            self._remember(event.event_id)
            return ApplyResult(stale=True)
        new = transition(leg, event.change)
        result = ApplyResult()
        if new != leg:  # same content under another id (e.g. after a restart) is a no-op
            new = replace(new, version=leg.version + 1)
            reasons = {leg.leg_id: event.change.reason} if isinstance(event.change, Cancellation) else {}
            plan = self._plan({leg.leg_id: new}, now, reasons)
            self._commit(plan, reasons)
            result = ApplyResult(legs=[new], disruptions=plan.disruptions)
        self._last_event[last_key] = event.event_time
        self._remember(event.event_id)
        return result

    def restore(
        self,
        legs: Iterable[FlightLeg],
        disruptions: Iterable[Disruption],
        now: datetime,
        applied_events: Iterable[FlightEvent] = (),
    ) -> list[Disruption]:
        """Rebuilds the state from the published topics after a restart; replaces all state.

        ``legs`` is the compacted flights topic, ``disruptions`` the disruptions topic (any
        versions, any order).  Returns the versions still missing from the topic — normally
        none; a crash between publishing a leg and its disruptions is healed here.

        Without ``applied_events`` a replay of each leg's latest event is a no-op by content;
        passing the events already applied (e.g. re-read from an input log up to the committed
        offset) makes replays of older ones no-ops as well (known id, or stale).
        """
        self._reset()  # a restore starts from nothing
        for event in applied_events:
            self._remember(event.event_id)
            key = (event.leg_id, _CATEGORY[type(event.change)])
            self._last_event[key] = max(event.event_time, self._last_event.get(key, event.event_time))
        latest_legs: dict[str, FlightLeg] = {}
        for leg in legs:
            if leg.leg_id not in latest_legs or leg.version > latest_legs[leg.leg_id].version:
                latest_legs[leg.leg_id] = leg
        for d in disruptions:
            current = self._disruptions.get(d.disruption_id)
            if current is None or d.version > current.version:
                self._disruptions[d.disruption_id] = d
        self._reasons = {
            d.leg_ids[0]: d.cause
            for d in self._disruptions.values()
            if d.kind == DisruptionKind.CANCELLATION and not d.withdrawn and d.leg_ids
        }
        plan = self._plan(latest_legs, now, {})
        self._commit(plan, {})
        return plan.disruptions

    def _remember(self, event_id: str) -> None:
        self._seen[event_id] = None
        if len(self._seen) > self.settings.seen_event_ids_max:
            self._seen.popitem(last=False)

    # ---- planning ----------------------------------------------------------------------

    def _plan(self, updates: dict[str, FlightLeg], now: datetime, reasons: Mapping[str, str]) -> _Plan:
        """Computes new rotations, rotation views and disruption versions for ``updates``."""
        plan = _Plan(legs=updates)
        starts = self._move_in_rotations(plan)
        for tail, (start, last_touched) in starts.items():
            self._walk(plan, tail, start, last_touched)
        for leg_id, leg in updates.items():
            if not leg.tail_number:
                plan.views[leg_id] = NO_ROTATION
        for leg_id in plan.views.keys() | updates.keys():
            self._reconcile(plan, leg_id, now, reasons.get(leg_id))
        return plan

    def _move_in_rotations(self, plan: _Plan) -> dict[str, tuple[RotationKey, RotationKey]]:
        """Moves changed legs between/within rotation copies; returns per tail the first
        and last rotation keys whose inbound aircraft may have changed."""
        touched: dict[str, list[RotationKey]] = {}
        for leg_id, new in plan.legs.items():
            old = self._legs.get(leg_id)
            if old is not None and old.tail_number:
                rotation = self._rotation_copy(plan, old.tail_number)
                rotation.pop(bisect_left(rotation, _key(old)))
                touched.setdefault(old.tail_number, []).append(_key(old))
            if new.tail_number:
                insort(self._rotation_copy(plan, new.tail_number), _key(new))
                touched.setdefault(new.tail_number, []).append(_key(new))
        return {tail: (min(keys), max(keys)) for tail, keys in touched.items()}

    def _rotation_copy(self, plan: _Plan, tail: str) -> list[RotationKey]:
        if tail not in plan.rotations:
            plan.rotations[tail] = list(self._rotations.get(tail, ()))
        return plan.rotations[tail]

    def _leg(self, plan: _Plan, leg_id: str) -> FlightLeg:
        return plan.legs.get(leg_id) or self._legs[leg_id]

    def _walk(self, plan: _Plan, tail: str, start: RotationKey, last_touched: RotationKey) -> None:
        """Propagates along the rotation from ``start`` until the effect is absorbed."""
        rotation = plan.rotations[tail]
        i = bisect_left(rotation, start)
        carry = self._views.get(rotation[i - 1][1], NO_ROTATION).carry if i > 0 else Carry()
        for key in rotation[i:]:
            leg = self._leg(plan, key[1])
            view = step(carry, leg, self.settings.min_turn(leg))
            if key > last_touched and view == self._views.get(key[1]):
                break  # everything further along already reflects this carry
            plan.views[key[1]] = view
            carry = view.carry

    def _reconcile(self, plan: _Plan, leg_id: str, now: datetime, reason: str | None) -> None:
        """Adds the disruption versions that move ``leg_id`` to its expected disruptions."""
        leg = self._leg(plan, leg_id)
        view = plan.views.get(leg_id) or self._views.get(leg_id, NO_ROTATION)
        downgauge = self._disruptions.get(disruption_id(DisruptionKind.DOWNGAUGE, leg_id))
        before = self._legs.get(leg_id, leg)
        # A down-gauge keeps reporting the capacity from before it began.
        old_capacity = downgauge.old_capacity if downgauge and not downgauge.withdrawn else before.capacity
        reason = self._reasons.get(leg_id, "") if reason is None else reason
        drafts = expected(leg, view, self.settings, cancel_reason=reason, old_capacity=old_capacity)
        for kind in LEG_KINDS:
            did = disruption_id(kind, leg_id)
            version = next_version(self._disruptions.get(did), drafts.get(did), now)
            if version is not None:
                plan.disruptions.append(version)

    def _commit(self, plan: _Plan, reasons: Mapping[str, str]) -> None:
        self._legs.update(plan.legs)
        self._rotations.update(plan.rotations)
        for leg_id, view in plan.views.items():
            if view is NO_ROTATION:
                self._views.pop(leg_id, None)
            else:
                self._views[leg_id] = view
        self._disruptions.update((d.disruption_id, d) for d in plan.disruptions)
        self._reasons.update(reasons)

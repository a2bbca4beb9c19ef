"""Who a disruption really affects, where each party will be, and from when it can travel on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rebook.domain.disruptions import KINDS_OF_REASON
from rebook.domain.disruptions import Reason as Reason  # re-exported: the reason an Affected carries
from rebook.domain.model import Booking, Cabin, Disruption, DisruptionKind, FlightLeg, FlightStatus, Proximity, Segment

from .settings import OptimizerSettings


@dataclass(frozen=True, slots=True)
class Affected:
    """A booking that must be rebooked from ``at_airport`` (ready at ``ready``) to ``destination``.

    ``kept`` are the segments the party still flies (or flew); ``released`` are the ones it
    leaves, whose seats become free for others.  ``disrupted_leg_id`` is the leg to blame.
    ``held`` is the itinerary an unanswered offer already holds for the party when it is
    planned again: the new plan keeps it or gives something better, never less.
    """

    booking: Booking
    reason: Reason
    at_airport: str
    ready: datetime
    destination: str
    original_arrival: datetime
    kept: tuple[Segment, ...]
    released: tuple[Segment, ...]
    disrupted_leg_id: str
    weight: float
    held: tuple[Segment, ...] = ()
    # When a fresh location says the whole party could make a flight earlier than ``ready``
    # (which never precedes the booked departure minus the advance window): such flights are
    # offered as alternatives only, never as the primary.
    early_ready: datetime | None = None
    # The journey (outbound, return, ...) of the record that broke; the others stay in ``kept``.
    journey: tuple[Segment, ...] = ()

    @property
    def cabin(self) -> Cabin:
        """The booked cabin (the best one on the itinerary) the party should keep."""
        return max(s.cabin for s in self.booking.segments)

    @property
    def banned(self) -> frozenset[tuple[str, Cabin]]:
        """Seats the party may not be rebooked onto: those of the leg to blame (cancelled,
        diverted, or the cabin it is moved out of).  After a missed connection nothing is: the
        feeder and the onward flight still fly and may be reached another way."""
        if self.reason == Reason.MISCONNECTION:
            return frozenset()
        return frozenset((s.leg_id, s.cabin) for s in self.released if s.leg_id == self.disrupted_leg_id)

    @property
    def mid_journey(self) -> bool:
        """Rebooked from where the party connects (or was diverted to), not the journey's start:
        a co-terminal change there needs a group that allows it."""
        return bool(self.journey and self.released and self.released[0] != self.journey[0])

    @property
    def reduced_mobility(self) -> bool:
        return any(p.reduced_mobility for p in self.booking.passengers)


def find_affected(
    flights: Mapping[str, FlightLeg],
    bookings: Iterable[Booking],
    disruptions: Sequence[Disruption],
    settings: OptimizerSettings,
    now: datetime,
    proximity: Mapping[str, Proximity] | None = None,
) -> list[Affected]:
    """Affected bookings, ordered by record locator (deterministic).

    ``flights`` already reflects the disruptions; only bookings touching a leg of a live
    (not withdrawn) disruption are examined, so an old tight connection elsewhere is not news.
    A party is never ready before the disruption that breaks its trip was known: solving a
    whole day at once (``rebook solve``) must not move anyone onto a flight that left before
    anybody knew they needed it.
    """
    disrupted = {lid for d in disruptions if not d.withdrawn for lid in d.leg_ids}
    touching = sorted(
        (b for b in bookings if b.segments and any(s.leg_id in disrupted for s in b.segments)),
        key=lambda b: b.record_locator,
    )
    proximity = proximity or {}
    known = _known_times(disruptions)
    found: dict[str, Affected] = {}
    news = _news_times(disruptions)
    for booking in touching:
        as_of = max([now, *(news[s.leg_id] for s in booking.segments if s.leg_id in news)])
        hit = _broken(booking, flights, settings, now, proximity, as_of)
        if hit is not None:
            found[booking.record_locator] = _not_before(hit, known, now, settings, flights)
    gauged = {
        lid: d.old_capacity
        for d in disruptions
        if d.kind == DisruptionKind.DOWNGAUGE and not d.withdrawn
        for lid in d.leg_ids
    }
    for hit in _downgauge_overflow(touching, found, flights, gauged, settings, now, proximity):
        found[hit.booking.record_locator] = _not_before(hit, known, now, settings, flights)
    return [found[k] for k in sorted(found)]


def _known_times(disruptions: Sequence[Disruption]) -> dict[tuple[str, DisruptionKind], datetime]:
    """(leg, kind) → when the live disruption of that kind on that leg was known."""
    known: dict[tuple[str, DisruptionKind], datetime] = {}
    for d in disruptions:
        if d.withdrawn:
            continue
        for leg_id in d.leg_ids:
            key = (leg_id, d.kind)
            known[key] = max(known.get(key, d.known_time), d.known_time)
    return known


def _news_times(disruptions: Sequence[Disruption]) -> dict[str, datetime]:
    """Leg → when the latest live disruption on it was known (any kind)."""
    news: dict[str, datetime] = {}
    for d in disruptions:
        if not d.withdrawn:
            for leg_id in d.leg_ids:
                news[leg_id] = max(news.get(leg_id, d.known_time), d.known_time)
    return news


def _left(leg: FlightLeg, as_of: datetime) -> bool:
    """Whether ``leg`` had left by ``as_of``: reported off blocks, or its best-known departure
    passed (flights leave at their best-known departure, as everywhere in the optimizer).
    ``rebook solve`` keeps a leg that leaves after its moment on the ground with its times, so
    this, not ``leg.departed``, says where a party stood when its news arrived."""
    return leg.departed or leg.departure <= as_of


def _not_before(
    hit: Affected,
    known: Mapping[tuple[str, DisruptionKind], datetime],
    now: datetime,
    settings: OptimizerSettings,
    flights: Mapping[str, FlightLeg],
) -> Affected:
    """``hit`` ready no earlier than the carrier's minimum notice after the disruption that broke
    it became known (``now`` if none is found), so no primary leaves before the passenger can
    act on the offer (only a fresh location can make a sooner flight an alternative).
    A missed connection is known once the delay of a leg of the connection (or of the leg
    before) is."""
    kinds = KINDS_OF_REASON[hit.reason]
    legs = [hit.disrupted_leg_id]
    if hit.reason == Reason.MISCONNECTION:
        legs += [s.leg_id for s in hit.released]
        before = _before_released(hit)
        legs += [before.leg_id] if before else []
    times = [known[(leg_id, kind)] for leg_id in legs for kind in kinds if (leg_id, kind) in known]
    known_at = max(times, default=now)
    first = flights.get(hit.booking.segments[0].leg_id)
    carrier = hit.booking.carrier or (first.carrier if first else "")
    ready = max(hit.ready, known_at + settings.notice_for(carrier))
    early = max(hit.early_ready, known_at) if hit.early_ready is not None else None
    return replace(hit, ready=ready, early_ready=early if early is not None and early < ready else None)


def _before_released(hit: Affected) -> Segment | None:
    """The segment flown into the airport the party is rebooked from, if any."""
    segs = hit.booking.segments
    first = segs.index(hit.released[0]) if hit.released else len(segs)
    return segs[first - 1] if first > 0 else None


def journeys(
    segments: Sequence[Segment], flights: Mapping[str, FlightLeg], settings: OptimizerSettings
) -> list[tuple[int, int]]:
    """A record split into what the passenger travels: ``[start, end)`` index ranges.  A new
    journey starts after a stopover (ground time over ``settings.stopover``), where the next
    leg leaves from another airport (an open jaw), or where it would go back to an airport the
    journey has already been at (the turnaround of a round trip, however short)."""
    spans: list[tuple[int, int]] = []
    start, visited = 0, set[str]()
    for i, seg in enumerate(segments):
        leg = flights.get(seg.leg_id)
        prev = flights.get(segments[i - 1].leg_id) if i > start else None
        if leg is not None and prev is not None:
            same = {ap for ap, _ in settings.co_terminals_of(prev.destination)}
            stopover = leg.scheduled_departure - prev.scheduled_arrival > settings.stopover
            if stopover or leg.origin not in same or leg.destination in visited:
                spans.append((start, i))
                start, visited = i, set()
        if leg is not None:
            visited |= {ap for ap, _ in settings.co_terminals_of(leg.origin)}
            visited.add(leg.destination)
    spans.append((start, len(segments)))
    return spans


def _broken(
    booking: Booking,
    flights: Mapping[str, FlightLeg],
    settings: OptimizerSettings,
    now: datetime,
    proximity: Mapping[str, Proximity],
    as_of: datetime,
) -> Affected | None:
    """The first place a journey of the record breaks (cancel, diversion, misconnection), if any.

    Whether a connection breaks depends on the leg times only, never on when they became known
    or on whether the onward flight has left since: arriving later than its departure minus the
    MCT is a missed connection (there is no boarding data to say otherwise), so the live
    services, which may hear of a late feeder only after the onward flight left, and
    ``rebook solve``, which sees the day's times at once, affect the same bookings.  Where the
    party stands is decided by what had flown when its latest news arrived (``as_of``)."""
    rm = any(p.reduced_mobility for p in booking.passengers)
    segs = booking.segments
    for span in journeys(segs, flights, settings):
        start = span[0]
        for i in range(*span):
            leg = flights.get(segs[i].leg_id)
            if leg is None or leg.cancelled:
                return _leave_at(booking, i, span, Reason.CANCELLED, flights, settings, now, proximity)
            if leg.status == FlightStatus.DIVERTED and leg.diverted_to:
                if not _left(leg, as_of):  # not flown yet: the rest of the trip is as good as cancelled
                    return _leave_at(booking, i, span, Reason.DIVERSION, flights, settings, now, proximity)
                return _diverted_en_route(booking, i, span, leg, flights, settings, now)
            if i > start:
                prev = flights[segs[i - 1].leg_id]
                if leg.departure < prev.arrival + settings.mct(prev.destination, rm):
                    # Broken before the journey began: rebook from its origin (a direct flight or
                    # another connection), not only onwards from the connecting airport.
                    first = flights.get(segs[start].leg_id)
                    at = start if first is not None and not _left(first, as_of) else i
                    blame = segs[i].leg_id
                    return _leave_at(booking, at, span, Reason.MISCONNECTION, flights, settings, now, proximity, blame)
    return None


def _leave_at(
    booking: Booking,
    i: int,
    span: tuple[int, int],
    reason: Reason,
    flights: Mapping[str, FlightLeg],
    settings: OptimizerSettings,
    now: datetime,
    proximity: Mapping[str, Proximity],
    blame: str = "",
) -> Affected:
    """The party flies the segments of its journey (``span``) before ``i`` as booked and is
    rebooked from there to the journey's end; its other journeys stay as they are."""
    segs = booking.segments
    blame = blame or segs[i].leg_id
    early = None
    if i == span[0]:
        leg = flights.get(segs[i].leg_id)
        at = leg.origin if leg else _origin_from_leg_id(segs[i].leg_id)
        booked = leg.scheduled_departure - settings.advance_window if leg else now
        ready, early = _ready_at_origin(booking, at, max(now, booked), now, proximity)
    else:
        prev = flights[segs[i - 1].leg_id]
        rm = any(p.reduced_mobility for p in booking.passengers)
        at = prev.destination
        ready = max(now, prev.arrival + settings.mct(at, rm))
    kept, released = (*segs[:i], *segs[span[1] :]), segs[i : span[1]]
    hit = _make(booking, reason, at, ready, kept, released, blame, flights, settings, span)
    return replace(hit, early_ready=early) if early is not None else hit


def _diverted_en_route(
    booking: Booking,
    i: int,
    span: tuple[int, int],
    leg: FlightLeg,
    flights: Mapping[str, FlightLeg],
    settings: OptimizerSettings,
    now: datetime,
) -> Affected | None:
    """The leg flew to ``diverted_to``: continue from there (nothing to do if that is where the
    journey ends)."""
    segs = booking.segments
    if leg.diverted_to == _destination(segs[span[1] - 1], flights):
        return None
    rm = any(p.reduced_mobility for p in booking.passengers)
    ready = max(now, leg.arrival + settings.mct(leg.diverted_to, rm))
    kept, released = (*segs[: i + 1], *segs[span[1] :]), segs[i + 1 : span[1]]
    return _make(booking, Reason.DIVERSION, leg.diverted_to, ready, kept, released, leg.leg_id, flights, settings, span)


def _make(
    booking: Booking,
    reason: Reason,
    at: str,
    ready: datetime,
    kept: tuple[Segment, ...],
    released: tuple[Segment, ...],
    blame: str,
    flights: Mapping[str, FlightLeg],
    settings: OptimizerSettings,
    span: tuple[int, int],
) -> Affected:
    end = booking.segments[span[1] - 1]
    last = flights.get(end.leg_id)
    # The promise to the passenger is the schedule, so delay is measured against it.
    original = last.scheduled_arrival if last else ready
    return Affected(
        booking=booking,
        reason=reason,
        at_airport=at,
        ready=ready,
        destination=_destination(end, flights),
        original_arrival=original,
        kept=kept,
        released=released,
        disrupted_leg_id=blame,
        weight=settings.booking_weight(booking),
        journey=booking.segments[span[0] : span[1]],
    )


def _destination(segment: Segment, flights: Mapping[str, FlightLeg]) -> str:
    last = flights.get(segment.leg_id)
    return last.destination if last else ""


def _origin_from_leg_id(leg_id: str) -> str:
    return leg_id.rsplit("-", 1)[-1]


def _ready_at_origin(
    booking: Booking, airport: str, earliest: datetime, now: datetime, proximity: Mapping[str, Proximity]
) -> tuple[datetime, datetime | None]:
    """(ready, early_ready): nobody is moved earlier than they want to travel, so ``ready`` is
    ``earliest`` (the booked departure minus the advance window, not before now) or later if a
    fresh location ping says a passenger is still on the way.  ``early_ready`` is when fresh
    pings say the whole party can be at the airport, if that is before ``ready``."""
    at_gate = now
    known = True
    for pax in booking.passengers:
        prox = proximity.get(pax.passenger_id)
        if prox is not None and not prox.stale and prox.target_airport == airport:
            at_gate = max(at_gate, prox.ping_time + prox.time_to_gate)
        else:
            known = False
    ready = max(earliest, at_gate)
    return ready, (at_gate if known and at_gate < ready else None)


def _downgauge_overflow(
    touching: list[Booking],
    found: Mapping[str, Affected],
    flights: Mapping[str, FlightLeg],
    gauged: Mapping[str, Mapping[Cabin, int]],
    settings: OptimizerSettings,
    now: datetime,
    proximity: Mapping[str, Proximity],
) -> list[Affected]:
    """Move the lowest-priority whole bookings off cabins a down-gauge (``gauged``: leg → the
    capacity before it) took sold seats from.  Only the seats lost count: what was sold above
    the old capacity is the airline's overbooking, settled at the gate, not by rebooking."""
    on_leg: dict[tuple[str, Cabin], list[tuple[Booking, int]]] = defaultdict(list)
    for b in touching:
        if b.record_locator in found:  # already leaving; its seats are freed anyway
            continue
        for i, seg in enumerate(b.segments):
            if seg.leg_id in gauged:
                on_leg[(seg.leg_id, seg.cabin)].append((b, i))
    moved: dict[str, Affected] = {}
    for (leg_id, cabin), riders in sorted(on_leg.items()):
        leg = flights.get(leg_id)
        if leg is None or leg.departed:
            continue
        sold, before = leg.sold.get(cabin, 0), gauged[leg_id].get(cabin)
        need = (sold if before is None else min(sold, before)) - leg.capacity.get(cabin, 0)
        riders = [r for r in riders if r[0].record_locator not in moved]
        for booking, i in _pick_lowest_priority(riders, need, settings):
            span = next(j for j in journeys(booking.segments, flights, settings) if j[0] <= i < j[1])
            hit = _leave_at(booking, i, span, Reason.DOWNGAUGE, flights, settings, now, proximity, leg_id)
            moved[booking.record_locator] = hit
    return list(moved.values())


def _pick_lowest_priority(
    riders: list[tuple[Booking, int]], need: int, settings: OptimizerSettings
) -> list[tuple[Booking, int]]:
    """Whole bookings of the lowest priority first; within a priority level, prefer the party
    that fits the remaining need best so that no more passengers move than necessary."""
    pool = sorted(riders, key=lambda r: (settings.booking_weight(r[0]) / r[0].party_size, r[0].record_locator))
    chosen: list[tuple[Booking, int]] = []
    while need > 0 and pool:
        level = settings.booking_weight(pool[0][0]) / pool[0][0].party_size
        same = [r for r in pool if settings.booking_weight(r[0]) / r[0].party_size == level]
        fitting = [r for r in same if r[0].party_size <= need]
        pick = max(fitting, key=lambda r: r[0].party_size) if fitting else min(same, key=lambda r: r[0].party_size)
        chosen.append(pick)
        pool.remove(pick)
        need -= pick[0].party_size
    return chosen

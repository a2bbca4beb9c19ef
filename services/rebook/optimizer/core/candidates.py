"""Candidate itineraries per affected booking: direct, one- and two-stop, best K by cost.

Times are handled as integer minutes since the epoch: the search compares millions of them.
Work is shared twice: itineraries are enumerated once per (from, to, carriers, mobility)
route key, and the K best are picked once per identical booking signature.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from rebook.domain.model import Cabin, FlightLeg, Segment

from . import costs
from .affected import Affected, Reason
from .candidate import Candidate
from .pricing import Pricing, TakenSeats
from .routes import (
    PER_LAST_LEG,
    FlightIndex,
    Itinerary,
    LegTimes,
    RouteColumns,
    RouteSearch,
    from_min,
    minutes,
    to_min,
    undominated,
)
from .settings import OptimizerSettings


def seat_availability(
    flights: Mapping[str, FlightLeg],
    affected: Sequence[Affected],
    holds_in_use: Mapping[tuple[str, Cabin], int],
) -> dict[tuple[str, Cabin], int]:
    """Seats per (leg, cabin) the solve may hand out: unsold, minus our own holds, plus the
    seats affected parties leave.  Oversold (down-gauged) cabins start negative on purpose so
    the seats freed there first cover the overflow."""
    raw: dict[tuple[str, Cabin], int] = {}
    for leg in flights.values():
        for cabin, cap in leg.seats_for_sale.items():  # a bus or train without inventory: any party
            raw[(leg.leg_id, cabin)] = cap - leg.sold.get(cabin, 0)
    for key, held in holds_in_use.items():
        raw[key] = raw.get(key, 0) - held
    for a in affected:
        for seg in a.released:
            key = (seg.leg_id, seg.cabin)
            if key in raw:
                raw[key] += a.booking.party_size
    return {k: max(0, v) for k, v in raw.items()}


class CandidateBuilder:
    """Builds the K best candidates for affected bookings against one flights snapshot."""

    def __init__(
        self,
        flights: Mapping[str, FlightLeg],
        availability: Mapping[tuple[str, Cabin], int],
        settings: OptimizerSettings,
        now: datetime,
        avoid: Collection[str] = frozenset(),
        causes: Mapping[str, str] | None = None,
        at_risk: Collection[str] = frozenset(),
    ) -> None:
        self.settings = settings
        self.at_risk = frozenset(at_risk)
        self.causes = causes or {}  # leg id → the disruption's cause (code or text)
        self._journeys: dict[str, costs.Journey] = {}
        self.avail = availability
        self.flights = flights
        self.now = now
        self.index = FlightIndex(flights, now, avoid)
        self.cabins = {lid: sorted(leg.seats_for_sale) for lid, leg in flights.items()}
        self.carrier_of = {lid: leg.carrier for lid, leg in flights.items()}
        self._routes: dict[tuple[Any, ...], RouteColumns] = {}
        self._search = RouteSearch(self.index, settings)
        self._pricing = Pricing(settings, self.cabins, self.at_risk)

    def build(self, affected: Sequence[Affected]) -> dict[str, list[Candidate]]:
        """Record locator → up to K candidates, cheapest first (deterministic order)."""
        windows: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [2**62, -(2**62)])
        for a in affected:
            w = windows[self._route_key(a)]
            r = to_min(a.ready)
            w[0], w[1] = min(w[0], to_min(a.early_ready) if a.early_ready else r), max(w[1], r)
        for key, (lo, hi) in windows.items():
            self._routes[key] = RouteColumns(undominated(self._search.enumerate(key, lo, hi + key[-1])))
        self._search.forget_tails()
        memo: dict[tuple[Any, ...], list[Candidate]] = {}
        out: dict[str, list[Candidate]] = {}
        for a in affected:
            sig = self._signature(a)
            if sig not in memo:
                memo[sig] = self._best_k(a)
            out[a.booking.record_locator] = memo[sig]
        return out

    @property
    def itineraries(self) -> int:
        """Itineraries kept over all route keys: the work candidate selection scans."""
        return sum(len(itins) for itins in self._routes.values())

    def more(
        self,
        affected: Sequence[Affected],
        have: Mapping[str, Sequence[Candidate]],
        availability: Mapping[tuple[str, Cabin], int],
    ) -> dict[str, list[Candidate]]:
        """Up to K further candidates per booking (of those already built) that still have seats
        in ``availability`` (e.g. what a first solve left), none already in ``have``."""
        out: dict[str, list[Candidate]] = {}
        for a in affected:
            known = {c.segments for c in have.get(a.booking.record_locator, ())}
            extra = [c for c in self._best_k(a, availability) if c.segments not in known]
            if extra:
                out[a.booking.record_locator] = extra
        return out

    def earlier(self, a: Affected, availability: Mapping[tuple[str, Cabin], int]) -> list[Candidate]:
        """Flights ``a`` can make by its location (``Affected.early_ready``) that leave before it
        wants to travel (``ready``), earliest arrival first, with seats in ``availability``:
        offered as alternatives only."""
        if a.early_ready is None:
            return []
        key = self._route_key(a)
        itins = self._routes[key]
        arrivals = itins.arrival
        early, ready, orig = to_min(a.early_ready), to_min(a.ready), to_min(a.original_arrival)
        banned = a.banned
        found: list[Candidate] = []
        for pos in range(bisect.bisect_left(arrivals, early), len(itins)):
            it = itins[pos]
            if not early <= it.need_ready < ready:
                continue
            cand = self._candidate(it, a, a.booking.party_size, max(0, it.arrival - orig), banned, availability)
            if cand is not None:
                found.append(replace(cand, earlier=True))
            if len(found) >= self.settings.k_best - 1:
                break
        return found

    def next_available(self, a: Affected, availability: Mapping[tuple[str, Cabin], int]) -> Candidate | None:
        """The earliest-arriving itinerary with seats for the whole party in ``availability``:
        what an agent (or the classic rebooking script) would book, unlimited by K."""
        key = self._route_key(a)
        itins = self._routes[key]
        arrivals = itins.arrival
        ready, orig, horizon = to_min(a.ready), to_min(a.original_arrival), key[-1]
        banned = a.banned
        for pos in range(bisect.bisect_left(arrivals, ready), len(itins)):
            it = itins[pos]
            if it.need_ready < ready or it.legs[0].dep > ready + horizon:
                continue
            delay = max(0, it.arrival - orig)
            cand = self._candidate(it, a, a.booking.party_size, delay, banned, availability)
            if cand is not None:
                return cand
        return None

    def split(
        self, a: Affected, availability: Mapping[tuple[str, Cabin], int], max_parts: int
    ) -> list[tuple[int, Candidate]]:
        """The party as at most ``max_parts`` sub-groups (size, itinerary), each whole on one
        itinerary with seats in ``availability``, the earliest-arriving itineraries filled
        first; [] when they cannot seat everyone.  Each candidate is priced for its sub-group
        (``_candidate``: its share of the party's weight)."""
        key = self._route_key(a)
        itins = self._routes[key]
        arrivals = itins.arrival
        ready, orig, horizon = to_min(a.ready), to_min(a.original_arrival), key[-1]
        banned, left = a.banned, TakenSeats(availability)
        remaining, parts = a.booking.party_size, []
        for pos in range(bisect.bisect_left(arrivals, ready), len(itins)):
            it = itins[pos]
            if it.need_ready < ready or it.legs[0].dep > ready + horizon:
                continue
            size = min(remaining, min(self._room(g.leg_id, banned, left) for g in it.legs))
            cand = self._candidate(it, a, size, max(0, it.arrival - orig), banned, left) if size > 0 else None
            if cand is None:
                continue
            parts.append((size, cand))
            for seg in cand.segments:
                left.take((seg.leg_id, seg.cabin), size)
            remaining -= size
            if not remaining:
                return parts
            if len(parts) == max_parts:
                return []
        return []

    def _room(self, leg_id: str, banned: Collection[tuple[str, Cabin]], avail: Mapping[tuple[str, Cabin], int]) -> int:
        """The most seats one cabin of ``leg_id`` has for a party."""
        return max(
            (avail.get((leg_id, c), 0) for c in self.cabins.get(leg_id, ()) if (leg_id, c) not in banned), default=0
        )

    def has_route(self, a: Affected) -> bool:
        """Whether any itinerary (seats or not) reaches the destination within the horizon."""
        key = self._route_key(a)
        itins = self._routes[key]
        arrivals = itins.arrival
        ready = to_min(a.ready)
        return any(
            itins.need_ready[pos] >= ready and itins.legs[pos][0].dep <= ready + key[-1]
            for pos in range(bisect.bisect_left(arrivals, ready), len(itins))
        )

    def horizon_end(self, a: Affected) -> datetime:
        """The latest departure the party may be rebooked onto (its carrier's horizon)."""
        return from_min(to_min(a.ready) + self._route_key(a)[-1])

    def incumbent(self, a: Affected, held: Sequence[Segment]) -> Candidate | None:
        """``held`` (an itinerary an offer already holds) as a candidate of ``a``, in the held
        cabins where they still have the seats; None once it can no longer be flown (a leg
        cancelled or gone, a connection broken, the party no longer in time).  Legs merely
        predicted to be at risk do not void it: the party keeps what it was offered."""
        found = [self.flights.get(s.leg_id) for s in held]
        if not found or any(g is None or g.cancelled or g.departed or g.departure < self.now for g in found):
            return None
        legs = cast(list[FlightLeg], found)  # none is missing: checked above
        s = self.settings
        origins = dict(s.co_terminals_of(a.at_airport, mid_journey=a.mid_journey))
        if legs[0].origin not in origins:
            return None
        need_ready = to_min(legs[0].departure) - minutes(origins[legs[0].origin])
        if need_ready < to_min(a.ready):
            return None
        for prev, nxt in itertools.pairwise(legs):
            transfers = dict(s.co_terminals_of(prev.destination, mid_journey=True))
            gap = max(s.mct(prev.destination, a.reduced_mobility), transfers.get(nxt.origin, timedelta(0)))
            if nxt.origin not in transfers or nxt.departure < prev.arrival + gap:
                return None
        dests = dict(s.co_terminals_of(a.destination))
        if legs[-1].destination not in dests:
            return None
        arrival = to_min(legs[-1].arrival) + minutes(dests[legs[-1].destination])
        changed = legs[0].origin != a.at_airport or dests[legs[-1].destination] > timedelta(0)
        path = tuple(
            LegTimes(g.leg_id, g.carrier, g.origin, g.destination, to_min(g.departure), to_min(g.arrival)) for g in legs
        )
        delay = max(0, arrival - to_min(a.original_arrival))
        banned = a.banned
        prefer = tuple(seg.cabin for seg in held)
        itin = Itinerary(path, need_ready, arrival, changed)
        return self._candidate(itin, a, a.booking.party_size, delay, banned, self.avail, prefer)

    def _route_key(self, a: Affected) -> tuple[Any, ...]:
        """(from, to, carriers, reduced mobility, mid-journey, horizon in minutes): the horizon is last."""
        own = self._own(a)
        carriers = self.settings.carriers_for(own)
        return (
            a.at_airport,
            a.destination,
            carriers,
            a.reduced_mobility,
            a.mid_journey,
            minutes(self.settings.horizon_for(own)),
        )

    def _own(self, a: Affected) -> str:
        return a.booking.carrier or self.carrier_of.get(a.booking.segments[0].leg_id, "")

    def journey(self, a: Affected) -> costs.Journey:
        """What prices ``a``'s options: regime, distance band, cause, fare (once per booking)."""
        found = self._journeys.get(a.booking.record_locator)
        if found is None:
            trip = a.journey or a.booking.segments  # the journey that broke, not the whole record
            first = self.flights.get(trip[0].leg_id) if trip else None
            carrier = a.booking.carrier or (first.carrier if first else "")
            kind = _KINDS.get(a.reason, costs.Kind.DELAY)
            found = costs.journey_of(
                first.origin if first else a.at_airport,
                a.destination,
                carrier,
                kind,
                self.causes.get(a.disrupted_leg_id, ""),
                a.booking.party_size,
                a.weight,
                a.cabin,
                len(a.booking.segments) - len(a.kept),
                self.settings.costs_for(carrier),
            )
            self._journeys[a.booking.record_locator] = found
        return found

    def no_option(self, a: Affected) -> tuple[float, costs.Entitlements]:
        """What leaving ``a`` without a seat costs and what its passengers are then owed."""
        j = self.journey(a)
        owed = costs.no_seat(j)
        return costs.no_seat_cost(j.costs, j.weight, j.party, owed), owed

    def no_option_costs(self, affected: Sequence[Affected]) -> dict[str, float]:
        """Record locator → the cost of leaving that booking without a seat."""
        return {a.booking.record_locator: self.no_option(a)[0] for a in affected}

    def _signature(self, a: Affected) -> tuple[Any, ...]:
        released = frozenset((s.leg_id, s.cabin) for s in a.released)
        return (
            self.journey(a),
            self._route_key(a),
            to_min(a.ready),
            a.cabin,
            a.booking.party_size,
            a.weight,
            to_min(a.original_arrival),
            released,
        )

    # --- selection ---------------------------------------------------------------------------

    def _candidate(
        self,
        it: Itinerary,
        a: Affected,
        party: int,
        delay: int,
        banned: Collection[tuple[str, Cabin]],
        avail: Mapping[tuple[str, Cabin], int],
        prefer: Sequence[Cabin] = (),
    ) -> Candidate | None:
        cabins = self._pricing.seats(it, a.cabin, party, banned, avail, prefer)
        if cabins is None:
            return None
        j, own = self.journey(a), self._own(a)
        cost = self._pricing.price(it, own, j, party, delay, cabins, to_min(a.ready))
        return self._pricing.make(it, a, j, own, cabins, delay, cost)

    def _best_k(self, a: Affected, avail: Mapping[tuple[str, Cabin], int] | None = None) -> list[Candidate]:
        """Scan itineraries by arrival; stop once the delay alone beats the K-th best cost.

        At most ``PER_LAST_LEG`` candidates may end on the same flight (fewest legs, then
        cheapest, kept): otherwise in a meltdown all K are variants of the next two arrivals
        and everyone competes for the same few seats while later flights, the next day's
        included, stay empty.  Itineraries are priced from their cabins alone; only the K kept
        become ``Candidate`` objects."""
        key = self._route_key(a)
        itins = self._routes[key]
        arrivals = itins.arrival
        ready, orig, horizon = to_min(a.ready), to_min(a.original_arrival), key[-1]
        party, k = a.booking.party_size, self.settings.k_best
        banned = a.banned
        avail = self.avail if avail is None else avail
        journey, own, pricing = self.journey(a), self._own(a), self._pricing
        per_hour = journey.weight * journey.costs.value_of_time_per_hour  # ``costs.delay_cost``, inlined
        booked = a.cabin
        # cost, legs, scan position, then what makes the candidate: itinerary, cabins, delay
        best: list[tuple[float, int, int, Itinerary, tuple[Cabin, ...], int]] = []
        per_last: dict[str, int] = defaultdict(int)
        needs, ways = itins.need_ready, itins.legs
        weight = journey.weight * party / journey.party
        floor_delay, floor = -1, 0.0  # the last ``_floor`` computed, and for which delay
        for pos in range(bisect.bisect_left(arrivals, ready), len(itins)):
            delay = max(0, arrivals[pos] - orig)
            if len(best) >= k:
                top = best[-1][0]
                if per_hour * max(0.0, delay) / 60.0 >= top:
                    break
                if delay != floor_delay:
                    floor_delay, floor = delay, Pricing.floor(journey, weight, party, delay)
                if floor > top:
                    break  # every itinerary from here costs more than the K-th: none would stay
            way = ways[pos]
            if needs[pos] < ready or way[0].dep > ready + horizon:
                continue
            last, legs = way[-1].leg_id, len(way)
            if per_last[last] >= PER_LAST_LEG and legs > 1:
                continue  # itineraries come by arrival, so the kept ones on this flight are as early
            it = itins[pos]
            cabins = pricing.seats(it, booked, party, banned, avail)
            if cabins is None:
                continue
            entry = (pricing.price(it, own, journey, party, delay, cabins, ready), legs, pos, it, cabins, delay)
            if per_last[last] >= PER_LAST_LEG:  # a direct flight displaces a connection to it
                worst = max((e for e in best if e[3].legs[-1].leg_id == last), key=lambda e: (e[1], e[0], e[2]))
                if (worst[1], worst[0]) <= (entry[1], entry[0]):
                    continue
                best.remove(worst)
                per_last[last] -= 1
            bisect.insort(best, entry)
            per_last[last] += 1
            for dropped in best[k:]:
                per_last[dropped[3].legs[-1].leg_id] -= 1
            del best[k:]
        return [pricing.make(it, a, journey, own, cabins, delay, cost) for cost, _, _, it, cabins, delay in best]


_KINDS = {
    Reason.CANCELLED: costs.Kind.CANCELLATION,
    Reason.DOWNGAUGE: costs.Kind.DENIED_BOARDING,
}

"""Candidate itineraries per affected booking: direct, one- and two-stop, best K by cost.

Times are handled as integer minutes since the epoch: the search compares millions of them.
Work is shared twice: itineraries are enumerated once per (from, to, carriers, mobility)
route key, and the K best are picked once per identical booking signature.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from rebook.domain.model import Cabin, FlightLeg, Segment

from . import costs
from .affected import Affected, Reason
from .settings import OptimizerSettings

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_STOPS = 2
PER_LAST_LEG = 2  # candidates ending on one flight, so that options spread over flights
BRANCH = 3  # continuations tried per (arrival, next airport); later ones only add waiting
DOMINATED = 3  # shorter ways that leave no earlier and arrive no later make a longer one redundant


def to_min(t: datetime) -> int:
    return int((t - _EPOCH).total_seconds() // 60)


def from_min(m: int) -> datetime:
    return _EPOCH + timedelta(minutes=m)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One itinerary for one booking, with the seats (cabins) it would take and its cost."""

    segments: tuple[Segment, ...]
    departure: datetime
    arrival: datetime  # at the final destination, ground transfer included
    delay_min: int
    downgrade_steps: int
    airport_change: bool
    cost: float  # in the carrier's money (``costs.option_cost``)
    entitlements: costs.Entitlements | None = None  # per passenger, for this option
    at_risk: bool = False  # a leg's aircraft is out of position (usable, at a risk cost)
    earlier: bool = False  # leaves before the party wants to travel: an alternative, never the primary
    airport_changes: tuple[AirportChange, ...] = ()  # every airport it changes, in travel order
    interline: bool = False  # a leg is flown by an interline (not partner) carrier, at a cost

    def __hash__(self) -> int:
        # Equal candidates have equal seats and cost: hashing those alone keeps the solver's
        # grouping of identical option lists cheap (every field would hash the entitlements).
        return hash((self.segments, self.cost))


@dataclass(frozen=True, slots=True)
class AirportChange:
    """The party uses ``used`` instead of ``booked`` (co-terminals), ``transfer`` apart on the ground."""

    booked: str
    used: str
    transfer: timedelta


@dataclass(frozen=True, slots=True)
class _Leg:
    leg_id: str
    carrier: str
    origin: str
    destination: str
    dep: int
    arr: int

    def __lt__(self, other: _Leg) -> bool:
        # Tuples of legs then order as tuples of their ids, without building those: one _Leg
        # per leg id, so legs differ exactly where their ids do.
        return self.leg_id < other.leg_id


class _Itin:
    """One way from the party's airport to its destination, as a party is priced on it: a view
    of one row of a ``_Route`` (``_Route[pos]``), or an offer's held itinerary (``incumbent``)."""

    __slots__ = ("airport_change", "arrival", "legs", "need_ready", "pos", "route")

    def __init__(
        self,
        legs: tuple[_Leg, ...],
        need_ready: int,
        arrival: int,
        airport_change: bool,
        route: _Route | None = None,
        pos: int = -1,
    ) -> None:
        self.legs = legs
        self.need_ready = need_ready  # the latest the party may be ready at its airport (dep - transfer)
        self.arrival = arrival  # at the real destination, after any ground transfer
        self.airport_change = airport_change
        self.route, self.pos = route, pos  # where its answers below are kept, if kept

    def connection_nights(self, local_hour: int) -> int:
        """Hotel nights of the waits between its legs (``costs.overnights``) at a carrier's
        overnight local hour: counted once for every party that scans this itinerary."""
        if len(self.legs) == 1:
            return 0
        known = self.route.nights.get(local_hour) if self.route is not None else None
        if known is not None and known[self.pos] >= 0:
            return known[self.pos]
        waits = [(p.destination, p.arr, n.dep) for p, n in itertools.pairwise(self.legs)]
        nights = costs.overnights(waits, local_hour)
        if self.route is not None:
            if known is None:
                known = self.route.nights[local_hour] = array("i", [-1]) * len(self.route)
            known[self.pos] = nights
        return nights


class _Route:
    """The itineraries of one route key, by arrival, as columns: an airline's day keeps 1.7 M
    of them, at a few bytes an itinerary here where an object with its ints costs ~200."""

    __slots__ = ("arrival", "changed", "legs", "need_ready", "nights", "risky")

    def __init__(self, rows: Sequence[_Row]) -> None:
        self.legs = [row[3] for row in rows]
        self.need_ready = array("q", [row[4] for row in rows])
        self.arrival = array("q", [row[0] for row in rows])
        self.changed = bytearray(row[5] for row in rows)
        self.risky = bytearray(len(rows))  # 0: not known yet, 1: no leg at risk, 2: one is
        self.nights: dict[int, array[int]] = {}  # local hour → ``connection_nights`` (-1: not yet)

    def __len__(self) -> int:
        return len(self.legs)

    def __getitem__(self, pos: int) -> _Itin:
        return _Itin(self.legs[pos], self.need_ready[pos], self.arrival[pos], bool(self.changed[pos]), self, pos)


class _Tail:
    """The rest of an itinerary from a connection: its legs, the arrival at the real
    destination (ground transfer included), whether that is a co-terminal, and the airports
    it stops at on the way (not the first or the last).  A plain class: see ``_Itin``."""

    __slots__ = ("arrival", "changed", "legs", "via")

    def __init__(self, legs: tuple[_Leg, ...], arrival: int, changed: bool, via: frozenset[str]) -> None:
        self.legs = legs
        self.arrival = arrival
        self.changed = changed
        self.via = via

    def order(self) -> tuple[Any, ...]:
        return (self.arrival, len(self.legs), self.legs)  # legs order by their ids (``_Leg.__lt__``)


# An itinerary while enumerating: (arrival, legs count, first departure, legs, ready by, airport
# change).  A plain tuple, so that sorting compares it in C in the order itineraries are kept
# (ties by leg ids: ``_Leg.__lt__``); only the kept ones become a ``_Route``'s columns.
_Row = tuple[int, int, int, tuple[_Leg, ...], int, bool]


def _undominated(rows: list[_Row]) -> list[_Row]:
    """``rows`` by arrival, without those that ``DOMINATED`` itineraries with fewer legs beat:
    leaving no earlier and arriving no later (``_tails`` does the same per connection; this
    catches different first legs, e.g. hub → spoke → other hub beside the hub-to-hub flights)."""
    rows.sort()
    ready_by_legs: list[list[int]] = [[] for _ in range(MAX_STOPS + 1)]  # of kept ones, sorted
    kept: list[_Row] = []
    left = bisect.bisect_left
    for row in rows:
        n, need = row[1], row[4]
        if n > 1:  # unrolled: the sum over fewer legs runs for millions of itineraries
            beaten = len(ready_by_legs[0]) - left(ready_by_legs[0], need)
            if n > 2:
                beaten += len(ready_by_legs[1]) - left(ready_by_legs[1], need)
            if beaten >= DOMINATED:
                continue
        kept.append(row)
        if n <= MAX_STOPS:
            bisect.insort(ready_by_legs[n - 1], need)
    return kept


class FlightIndex:
    """Usable legs by origin, sorted by departure, for bisecting on time windows."""

    def __init__(self, flights: Mapping[str, FlightLeg], now: datetime, avoid: Collection[str] = frozenset()) -> None:
        by_origin: dict[str, list[_Leg]] = defaultdict(list)
        self.into: dict[str, set[str]] = defaultdict(set)  # destination → origins
        for leg in flights.values():
            if leg.cancelled or leg.departed or leg.leg_id in avoid or leg.departure < now:
                continue
            item = _Leg(
                leg.leg_id,
                leg.carrier,
                leg.origin,
                leg.destination,
                to_min(leg.departure),
                to_min(leg.arrival),
            )
            by_origin[leg.origin].append(item)
            self.into[leg.destination].add(leg.origin)
        self.legs: dict[str, list[_Leg]] = {}
        self.deps: dict[str, list[int]] = {}
        self.routes: dict[str, dict[str, tuple[list[int], list[_Leg]]]] = {}
        for origin, legs in by_origin.items():
            legs.sort(key=lambda g: (g.dep, g.leg_id))
            self.legs[origin] = legs
            self.deps[origin] = [g.dep for g in legs]
            per_dest: dict[str, list[_Leg]] = defaultdict(list)
            for g in legs:
                per_dest[g.destination].append(g)
            self.routes[origin] = {d: ([g.dep for g in ls], ls) for d, ls in sorted(per_dest.items())}
        # Connection points for two-stop itineraries: airports serving at least a quarter as many
        # destinations as the best-connected one (the hubs of a hub-and-spoke network).
        most = max((len(r) for r in self.routes.values()), default=0)
        self.hubs = frozenset(ap for ap, r in self.routes.items() if len(r) >= max(2, most // 4))

    def departing(self, airport: str, lo: int, hi: int) -> list[_Leg]:
        """Legs leaving ``airport`` with lo ≤ departure ≤ hi."""
        deps = self.deps.get(airport)
        if not deps:
            return []
        legs = self.legs[airport]
        return legs[bisect.bisect_left(deps, lo) : bisect.bisect_right(deps, hi)]

    def departing_to(self, airport: str, wanted: Sequence[str], lo: int, hi: int) -> list[tuple[str, list[_Leg]]]:
        """Per destination in ``wanted`` served from ``airport``, its legs with lo ≤ departure ≤ hi."""
        routes = self.routes.get(airport, {})
        out = []
        for dest in wanted:
            if dest not in routes:
                continue
            deps, legs = routes[dest]
            start = bisect.bisect_left(deps, lo)
            if start < len(deps) and deps[start] <= hi:
                out.append((dest, legs[start : bisect.bisect_right(deps, hi)]))
        return out


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
        # (leg, booked cabin) → ((leg, cabin), cabin) in the order tried: keys made once
        self._cabin_order: dict[tuple[str, Cabin], tuple[tuple[tuple[str, Cabin], Cabin], ...]] = {}
        self.carrier_of = {lid: leg.carrier for lid, leg in flights.items()}
        self.max_layover = int(settings.max_layover.total_seconds() // 60)
        self._routes: dict[tuple[Any, ...], _Route] = {}
        self._towards: dict[str, tuple[dict[str, int], list[tuple[str, ...]]]] = {}
        self._tail_memo: dict[tuple[Any, ...], list[_Tail]] = {}
        self._segments: dict[tuple[str, Cabin], Segment] = {}
        self._choices: dict[tuple[str, Cabin], costs.LegChoice] = {}  # see ``_legs``
        # Equal entitlements, one object: a meltdown's candidates owe a few thousand distinct ones.
        self._owed_pool: dict[costs.Entitlements, costs.Entitlements] = {}
        # Read for every itinerary priced: settings' attributes once.
        self._any_interline = bool(settings.interline)
        self._risk_cost, self._interline_cost = settings.rotation_risk_cost, settings.interline_cost
        self._times: dict[int, datetime] = {}  # minute → datetime, for the candidates' times

    def build(self, affected: Sequence[Affected]) -> dict[str, list[Candidate]]:
        """Record locator → up to K candidates, cheapest first (deterministic order)."""
        windows: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [2**62, -(2**62)])
        for a in affected:
            w = windows[self._route_key(a)]
            r = to_min(a.ready)
            w[0], w[1] = min(w[0], to_min(a.early_ready) if a.early_ready else r), max(w[1], r)
        for key, (lo, hi) in windows.items():
            self._routes[key] = _Route(_undominated(self._enumerate(key, lo, hi + key[-1])))
        self._tail_memo.clear()  # only enumeration shares tails: hundreds of MB at airline size
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
        banned, left = a.banned, _Taken(availability)
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
        need_ready = to_min(legs[0].departure) - _mins(origins[legs[0].origin])
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
        arrival = to_min(legs[-1].arrival) + _mins(dests[legs[-1].destination])
        changed = legs[0].origin != a.at_airport or dests[legs[-1].destination] > timedelta(0)
        path = tuple(
            _Leg(g.leg_id, g.carrier, g.origin, g.destination, to_min(g.departure), to_min(g.arrival)) for g in legs
        )
        delay = max(0, arrival - to_min(a.original_arrival))
        banned = a.banned
        prefer = tuple(seg.cabin for seg in held)
        itin = _Itin(path, need_ready, arrival, changed)
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
            _mins(self.settings.horizon_for(own)),
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

    # --- enumeration -------------------------------------------------------------------------

    def _enumerate(self, key: tuple[Any, ...], lo: int, hi: int) -> list[_Row]:
        at, dest, carriers, rm, mid, _ = key
        s = self.settings
        dests, wanted = self._toward(dest)
        # Through a non-hub only straight on to the destination: no back-hauls via a spoke.
        first = set(wanted[1]) | (self.index.hubs & set(wanted[MAX_STOPS]))
        home = {ap for ap, _ in s.co_terminals_of(at)}
        found: list[_Row] = []
        for origin, transfer in s.co_terminals_of(at, mid_journey=mid):
            t = _mins(transfer)
            changed = origin != at
            for leg in self.index.departing(origin, lo + t, hi + t):
                if leg.carrier not in carriers or leg.destination not in first:
                    continue
                if leg.destination in dests:
                    arrival = leg.arr + dests[leg.destination]
                    found.append((arrival, 1, leg.dep, (leg,), leg.dep - t, changed or dests[leg.destination] > 0))
                    continue
                if leg.destination in home:
                    continue
                stops_left = MAX_STOPS - 1 if leg.destination in self.index.hubs else 0
                for tail in self._tails(leg.destination, leg.arr, dest, carriers, rm, stops_left):
                    if home.isdisjoint(tail.via):
                        legs = (leg, *tail.legs)
                        found.append((tail.arrival, len(legs), leg.dep, legs, leg.dep - t, changed or tail.changed))
        return found

    def _toward(self, dest: str) -> tuple[dict[str, int], list[tuple[str, ...]]]:
        """The destination's airports (co-terminals, with their transfer in minutes) and
        ``_wanted`` for them, once per destination."""
        found = self._towards.get(dest)
        if found is None:
            dests = {ap: _mins(t) for ap, t in self.settings.co_terminals_of(dest)}
            found = self._towards[dest] = (dests, self._wanted(dests))
        return found

    def _tails(
        self, airport: str, arrived: int, dest: str, carriers: frozenset[str], rm: bool, stops_left: int
    ) -> list[_Tail]:
        """The ways on from ``airport`` (landed at minute ``arrived``) to ``dest``, with at most
        ``stops_left`` more stops: shared by every itinerary that lands there then (most of a
        bank's arrivals, from every origin), so each is searched once.

        A tail with more legs is dropped when ``DOMINATED`` tails with fewer legs arrive no
        later: from the same landing they leave no earlier, so the longer way only adds a
        connection (a back-haul through a spoke when the straight flights run every bank).  A
        few are kept so that a full flight still leaves a way round it."""
        memo_key = (airport, arrived, dest, carriers, rm, stops_left)
        found = self._tail_memo.get(memo_key)
        if found is not None:
            return found
        dests, wanted = self._toward(dest)
        s = self.settings
        group = s.co_terminals_of(airport, mid_journey=True)
        seen = {ap for ap, _ in group}
        mct = _mins(s.mct(airport, rm))
        ends: list[_Tail] = []  # straight to the destination
        for ap, transfer in group:
            earliest = arrived + max(mct, _mins(transfer))
            for end, legs in self.index.departing_to(ap, wanted[0], earliest, arrived + self.max_layover):
                for nxt in [g for g in legs if g.carrier in carriers][:BRANCH]:
                    ends.append(_Tail((nxt,), nxt.arr + dests[end], dests[end] > 0, frozenset()))
        ends.sort(key=_Tail.order)
        # A way through another stop arrives after its next leg lands: once that is past the
        # DOMINATED-th straight arrival, it can only be dominated.
        cut = ends[DOMINATED - 1].arrival if len(ends) >= DOMINATED else 2**62
        longer: list[_Tail] = []
        if stops_left > 0:
            stop_targets = tuple(ap for ap in wanted[stops_left] if ap not in dests)
            for ap, transfer in group:
                earliest = arrived + max(mct, _mins(transfer))
                for stop, legs in self.index.departing_to(ap, stop_targets, earliest, arrived + self.max_layover):
                    if stop in seen:
                        continue
                    onward = MAX_STOPS - 1 if stop in self.index.hubs else 0
                    onward = min(onward, stops_left - 1)
                    for nxt in [g for g in legs if g.carrier in carriers][:BRANCH]:
                        if nxt.arr >= cut:
                            continue
                        for tail in self._tails(stop, nxt.arr, dest, carriers, rm, onward):
                            if tail.arrival < cut and seen.isdisjoint(tail.via):
                                longer.append(_Tail((nxt, *tail.legs), tail.arrival, tail.changed, tail.via | {stop}))
        found = self._tail_memo[memo_key] = sorted([*ends, *longer], key=_Tail.order)
        return found

    def _wanted(self, dests: dict[str, int]) -> list[tuple[str, ...]]:
        """wanted[k]: airports (co-terminals included, sorted) from which a destination is
        reachable with at most k stops.  Only prunes the search, so carriers are ignored."""
        wanted = [tuple(sorted(dests))]
        frontier = set(dests)
        for _ in range(MAX_STOPS):
            step = {o for d in frontier for o in self.index.into.get(d, ())}
            step |= {ap for o in list(step) for ap, _ in self.settings.co_terminals_of(o)}
            wanted.append(tuple(sorted(step | set(wanted[-1]))))
            frontier = step
        return wanted

    # --- selection ---------------------------------------------------------------------------

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
        journey = self.journey(a)
        per_hour = journey.weight * journey.costs.value_of_time_per_hour  # ``costs.delay_cost``, inlined
        booked = a.cabin
        # cost, legs, scan position, then what makes the candidate: itinerary, cabins, delay
        best: list[tuple[float, int, int, _Itin, tuple[Cabin, ...], int]] = []
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
                    floor_delay, floor = delay, self._floor(journey, weight, party, delay)
                if floor > top:
                    break  # every itinerary from here costs more than the K-th: none would stay
            way = ways[pos]
            if needs[pos] < ready or way[0].dep > ready + horizon:
                continue
            last, legs = way[-1].leg_id, len(way)
            if per_last[last] >= PER_LAST_LEG and legs > 1:
                continue  # itineraries come by arrival, so the kept ones on this flight are as early
            it = itins[pos]
            cabins = self._seats(it, booked, party, banned, avail)
            if cabins is None:
                continue
            entry = (self._price(it, a, journey, party, delay, cabins, ready), legs, pos, it, cabins, delay)
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
        return [self._make(it, a, cabins, delay, cost) for cost, _, _, it, cabins, delay in best]

    def _candidate(
        self,
        it: _Itin,
        a: Affected,
        party: int,
        delay: int,
        banned: Collection[tuple[str, Cabin]],
        avail: Mapping[tuple[str, Cabin], int],
        prefer: Sequence[Cabin] = (),
    ) -> Candidate | None:
        cabins = self._seats(it, a.cabin, party, banned, avail, prefer)
        if cabins is None:
            return None
        cost = self._price(it, a, self.journey(a), party, delay, cabins, to_min(a.ready))
        return self._make(it, a, cabins, delay, cost)

    def _seats(
        self,
        it: _Itin,
        booked: Cabin,
        party: int,
        banned: Collection[tuple[str, Cabin]],
        avail: Mapping[tuple[str, Cabin], int],
        prefer: Sequence[Cabin] = (),
    ) -> tuple[Cabin, ...] | None:
        """The cabin per leg ``it`` would seat the party in (``prefer``red ones while they have
        the seats, else ``_cabin_for``), or None when a leg has no room."""
        cabin_for = self._cabin_for
        if not prefer:
            if len(it.legs) == 1:  # most itineraries: no list to build
                cabin = cabin_for(it.legs[0].leg_id, booked, party, banned, avail)
                return None if cabin is None else (cabin,)
            cabins = []
            for leg in it.legs:
                cabin = cabin_for(leg.leg_id, booked, party, banned, avail)
                if cabin is None:
                    return None
                cabins.append(cabin)
            return tuple(cabins)
        cabins = []
        for i, leg in enumerate(it.legs):
            key = (leg.leg_id, prefer[i])
            if key not in banned and avail.get(key, 0) >= party:
                cabin = prefer[i]
            else:
                cabin = cabin_for(leg.leg_id, booked, party, banned, avail)
                if cabin is None:
                    return None
            cabins.append(cabin)
        return tuple(cabins)

    def _price(
        self, it: _Itin, a: Affected, j: costs.Journey, party: int, delay: int, cabins: tuple[Cabin, ...], ready: int
    ) -> float:
        """The cost of ``it`` in ``cabins`` for ``party`` of ``a`` (``costs``), without building
        what it owes: most options priced are dropped (``_make`` builds the kept ones)."""
        weight = j.weight * party / j.party  # a sub-group of a split party weighs its share
        legs, nights = self._legs(it, cabins), self._nights(it, j, ready)
        cost = costs.option_cost_for_nights(j, weight, party, delay, legs, nights, it.airport_change)
        risky = self._risky(it)
        interline = self._any_interline and self._interline(it, a)
        return cost + party * (self._risk_cost * risky + self._interline_cost * interline)

    @staticmethod
    def _floor(j: costs.Journey, weight: float, party: int, delay: int) -> float:
        """No itinerary arriving ``delay`` minutes late or later costs less: the price of one
        with nothing beyond the delay itself — no lower cabin, no hotel night, no airport
        change, no more legs than booked, no risk or interline cost — each of which only adds,
        while what the delay alone costs (time, compensation, meals, the DOT refund right)
        never falls as the delay grows (``tests/unit/optimizer/test_costs.py``).  Priced by the
        same function as the options, so the rounding is the same too."""
        return costs.option_cost_for_nights(j, weight, party, delay, (), 0, False)

    def _owed(self, it: _Itin, a: Affected, delay: int, cabins: tuple[Cabin, ...]) -> costs.Entitlements:
        j = self.journey(a)
        nights = self._nights(it, j, to_min(a.ready))
        owed = costs.entitlements_for_nights(j, delay, self._legs(it, cabins), nights, it.airport_change)
        return self._owed_pool.setdefault(owed, owed)

    def _legs(self, it: _Itin, cabins: tuple[Cabin, ...]) -> list[costs.LegChoice]:
        """The legs as the cost model sees them, one shared ``LegChoice`` per (leg, cabin)."""
        choices, out = self._choices, []
        for g, cabin in zip(it.legs, cabins, strict=True):
            found = choices.get((g.leg_id, cabin))
            if found is None:
                found = choices[(g.leg_id, cabin)] = costs.LegChoice(g.origin, g.destination, cabin)
            out.append(found)
        return out

    @staticmethod
    def _nights(it: _Itin, j: costs.Journey, ready: int) -> int:
        """Hotel nights of the waits: from ``ready`` to the first departure, then between legs."""
        hour, first = j.costs.overnight_local_hour, it.legs[0]
        return costs.overnights(((first.origin, ready, first.dep),), hour) + it.connection_nights(hour)

    def _risky(self, it: _Itin) -> bool:
        at_risk = self.at_risk
        if not at_risk:
            return False
        known = it.route.risky[it.pos] if it.route is not None else 0
        if not known:
            known = 2 if any(leg.leg_id in at_risk for leg in it.legs) else 1
            if it.route is not None:
                it.route.risky[it.pos] = known
        return known == 2

    def _interline(self, it: _Itin, a: Affected) -> bool:
        if not self._any_interline:
            return False
        own = self._own(a)
        return any(self.settings.is_interline(own, g.carrier) for g in it.legs)

    def _make(self, it: _Itin, a: Affected, cabins: tuple[Cabin, ...], delay: int, cost: float) -> Candidate:
        segments = tuple(self._segment(g.leg_id, cabin) for g, cabin in zip(it.legs, cabins, strict=True))
        booked = a.cabin
        return Candidate(
            segments,
            self._from_min(it.legs[0].dep),
            self._from_min(it.arrival),
            delay,
            max(0, *(booked - cabin for cabin in cabins)),
            it.airport_change,
            cost,
            self._owed(it, a, delay, cabins),
            self._risky(it),
            airport_changes=self._airport_changes(it, a) if _moved(it) else (),
            interline=self._interline(it, a),
        )

    def _from_min(self, minute: int) -> datetime:
        found = self._times.get(minute)
        if found is None:
            found = self._times[minute] = from_min(minute)
        return found

    def _segment(self, leg_id: str, cabin: Cabin) -> Segment:
        """One shared ``Segment`` per (leg, cabin): candidates are many, seats few."""
        key = (leg_id, cabin)
        found = self._segments.get(key)
        if found is None:
            found = self._segments[key] = Segment(leg_id, cabin)
        return found

    def _airport_changes(self, it: _Itin, a: Affected) -> tuple[AirportChange, ...]:
        """Where ``it`` leaves from, connects through or arrives at another airport than booked."""
        transfer = dict(self.settings.co_terminals_of(a.at_airport, mid_journey=a.mid_journey))
        out = [AirportChange(a.at_airport, it.legs[0].origin, transfer.get(it.legs[0].origin, timedelta(0)))]
        for prev, nxt in itertools.pairwise(it.legs):
            transfer = dict(self.settings.co_terminals_of(prev.destination, mid_journey=True))
            out.append(AirportChange(prev.destination, nxt.origin, transfer.get(nxt.origin, timedelta(0))))
        transfer, end = dict(self.settings.co_terminals_of(a.destination)), it.legs[-1].destination
        out.append(AirportChange(a.destination, end, transfer.get(end, timedelta(0))))
        return tuple(c for c in out if c.booked != c.used)

    def _cabin_for(
        self,
        leg_id: str,
        booked: Cabin,
        party: int,
        banned: Collection[tuple[str, Cabin]],
        avail: Mapping[tuple[str, Cabin], int],
    ) -> Cabin | None:
        """Booked cabin if it has seats, else the nearest better one (free), else the nearest worse."""
        order = self._cabin_order.get((leg_id, booked))
        if order is None:
            cabins = self.cabins.get(leg_id, ())
            ranked = (*(c for c in cabins if c >= booked), *sorted((c for c in cabins if c < booked), reverse=True))
            order = self._cabin_order[(leg_id, booked)] = tuple(((leg_id, c), c) for c in ranked)
        for key, cabin in order:
            if key not in banned and avail.get(key, 0) >= party:
                return cabin
        return None


class _Taken(Mapping[tuple[str, Cabin], int]):
    """``base`` less the seats taken so far, without copying ``base`` (every leg of the day)."""

    def __init__(self, base: Mapping[tuple[str, Cabin], int]) -> None:
        self._base = base
        self._taken: dict[tuple[str, Cabin], int] = defaultdict(int)

    def take(self, key: tuple[str, Cabin], seats: int) -> None:
        self._taken[key] += seats

    def __getitem__(self, key: tuple[str, Cabin]) -> int:
        return self._base[key] - self._taken.get(key, 0)

    def get(self, key: tuple[str, Cabin], default: int = 0) -> int:  # type: ignore[override]
        return self._base.get(key, default) - self._taken.get(key, 0)

    def __iter__(self) -> Iterator[tuple[str, Cabin]]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


_KINDS = {
    Reason.CANCELLED: costs.Kind.CANCELLATION,
    Reason.DOWNGAUGE: costs.Kind.DENIED_BOARDING,
}


def _moved(it: _Itin) -> bool:
    """Whether ``it`` changes an airport: from, through (a co-terminal connection) or to."""
    return it.airport_change or any(p.destination != n.origin for p, n in itertools.pairwise(it.legs))


def _mins(t: timedelta) -> int:
    return int(t.total_seconds() // 60)

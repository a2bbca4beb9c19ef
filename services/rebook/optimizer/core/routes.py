"""Route search: the flights index, itineraries as plain tuples, and their enumeration.

Times are whole minutes since the epoch (``to_min``); an itinerary row (``Row``) is
(arrival, number of legs, first departure, legs, minute the party must be ready by, airport changed).
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rebook.domain.model import FlightLeg

from . import costs
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
class LegTimes:
    leg_id: str
    carrier: str
    origin: str
    destination: str
    dep: int
    arr: int

    def __lt__(self, other: LegTimes) -> bool:
        # Tuples of legs then order as tuples of their ids, without building those: one LegTimes
        # per leg id, so legs differ exactly where their ids do.
        return self.leg_id < other.leg_id


class Itinerary:
    """One way from the party's airport to its destination, as a party is priced on it: a view
    of one row of a ``RouteColumns`` (``RouteColumns[pos]``), or an offer's held itinerary (``incumbent``)."""

    __slots__ = ("airport_change", "arrival", "legs", "need_ready", "pos", "route")

    def __init__(
        self,
        legs: tuple[LegTimes, ...],
        need_ready: int,
        arrival: int,
        airport_change: bool,
        route: RouteColumns | None = None,
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


class RouteColumns:
    """The itineraries of one route key, by arrival, as columns: an airline's day keeps 1.7 M
    of them, at a few bytes an itinerary here where an object with its ints costs ~200."""

    __slots__ = ("arrival", "changed", "legs", "need_ready", "nights", "risky")

    def __init__(self, rows: Sequence[Row]) -> None:
        self.legs = [row[3] for row in rows]
        self.need_ready = array("q", [row[4] for row in rows])
        self.arrival = array("q", [row[0] for row in rows])
        self.changed = bytearray(row[5] for row in rows)
        self.risky = bytearray(len(rows))  # 0: not known yet, 1: no leg at risk, 2: one is
        self.nights: dict[int, array[int]] = {}  # local hour → ``connection_nights`` (-1: not yet)

    def __len__(self) -> int:
        return len(self.legs)

    def __getitem__(self, pos: int) -> Itinerary:
        return Itinerary(self.legs[pos], self.need_ready[pos], self.arrival[pos], bool(self.changed[pos]), self, pos)


class Tail:
    """The rest of an itinerary from a connection: its legs, the arrival at the real
    destination (ground transfer included), whether that is a co-terminal, and the airports
    it stops at on the way (not the first or the last).  A plain class: see ``Itinerary``."""

    __slots__ = ("arrival", "changed", "legs", "via")

    def __init__(self, legs: tuple[LegTimes, ...], arrival: int, changed: bool, via: frozenset[str]) -> None:
        self.legs = legs
        self.arrival = arrival
        self.changed = changed
        self.via = via

    def order(self) -> tuple[Any, ...]:
        return (self.arrival, len(self.legs), self.legs)  # legs order by their ids (``LegTimes.__lt__``)


# An itinerary while enumerating: (arrival, legs count, first departure, legs, ready by, airport
# change).  A plain tuple, so that sorting compares it in C in the order itineraries are kept
# (ties by leg ids: ``LegTimes.__lt__``); only the kept ones become a ``RouteColumns``'s columns.
Row = tuple[int, int, int, tuple[LegTimes, ...], int, bool]


def undominated(rows: list[Row]) -> list[Row]:
    """``rows`` by arrival, without those that ``DOMINATED`` itineraries with fewer legs beat:
    leaving no earlier and arriving no later (``_tails`` does the same per connection; this
    catches different first legs, e.g. hub → spoke → other hub beside the hub-to-hub flights)."""
    rows.sort()
    ready_by_legs: list[list[int]] = [[] for _ in range(MAX_STOPS + 1)]  # of kept ones, sorted
    kept: list[Row] = []
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
        by_origin: dict[str, list[LegTimes]] = defaultdict(list)
        self.into: dict[str, set[str]] = defaultdict(set)  # destination → origins
        for leg in flights.values():
            if leg.cancelled or leg.departed or leg.leg_id in avoid or leg.departure < now:
                continue
            item = LegTimes(
                leg.leg_id,
                leg.carrier,
                leg.origin,
                leg.destination,
                to_min(leg.departure),
                to_min(leg.arrival),
            )
            by_origin[leg.origin].append(item)
            self.into[leg.destination].add(leg.origin)
        self.legs: dict[str, list[LegTimes]] = {}
        self.deps: dict[str, list[int]] = {}
        self.routes: dict[str, dict[str, tuple[list[int], list[LegTimes]]]] = {}
        for origin, legs in by_origin.items():
            legs.sort(key=lambda g: (g.dep, g.leg_id))
            self.legs[origin] = legs
            self.deps[origin] = [g.dep for g in legs]
            per_dest: dict[str, list[LegTimes]] = defaultdict(list)
            for g in legs:
                per_dest[g.destination].append(g)
            self.routes[origin] = {d: ([g.dep for g in ls], ls) for d, ls in sorted(per_dest.items())}
        # Connection points for two-stop itineraries: airports serving at least a quarter as many
        # destinations as the best-connected one (the hubs of a hub-and-spoke network).
        most = max((len(r) for r in self.routes.values()), default=0)
        self.hubs = frozenset(ap for ap, r in self.routes.items() if len(r) >= max(2, most // 4))

    def departing(self, airport: str, lo: int, hi: int) -> list[LegTimes]:
        """Legs leaving ``airport`` with lo ≤ departure ≤ hi."""
        deps = self.deps.get(airport)
        if not deps:
            return []
        legs = self.legs[airport]
        return legs[bisect.bisect_left(deps, lo) : bisect.bisect_right(deps, hi)]

    def departing_to(self, airport: str, wanted: Sequence[str], lo: int, hi: int) -> list[tuple[str, list[LegTimes]]]:
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


class RouteSearch:
    """Itineraries to a destination over a flights snapshot: the ways on from each airport and
    landing minute (``_tails``) are searched once and shared by every origin that lands there."""

    def __init__(self, index: FlightIndex, settings: OptimizerSettings) -> None:
        self.index = index
        self.settings = settings
        self.max_layover = int(settings.max_layover.total_seconds() // 60)
        self._towards: dict[str, tuple[dict[str, int], list[tuple[str, ...]]]] = {}
        self._tail_memo: dict[tuple[Any, ...], list[Tail]] = {}

    def forget_tails(self) -> None:
        """Drops the shared tails: only enumeration uses them, hundreds of MB at airline size."""
        self._tail_memo.clear()

    def enumerate(self, key: tuple[Any, ...], lo: int, hi: int) -> list[Row]:
        at, dest, carriers, rm, mid, _ = key
        s = self.settings
        dests, wanted = self._toward(dest)
        # Through a non-hub only straight on to the destination: no back-hauls via a spoke.
        first = set(wanted[1]) | (self.index.hubs & set(wanted[MAX_STOPS]))
        home = {ap for ap, _ in s.co_terminals_of(at)}
        found: list[Row] = []
        for origin, transfer in s.co_terminals_of(at, mid_journey=mid):
            t = minutes(transfer)
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
            dests = {ap: minutes(t) for ap, t in self.settings.co_terminals_of(dest)}
            found = self._towards[dest] = (dests, self._wanted(dests))
        return found

    def _tails(
        self, airport: str, arrived: int, dest: str, carriers: frozenset[str], rm: bool, stops_left: int
    ) -> list[Tail]:
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
        mct = minutes(s.mct(airport, rm))
        ends: list[Tail] = []  # straight to the destination
        for ap, transfer in group:
            earliest = arrived + max(mct, minutes(transfer))
            for end, legs in self.index.departing_to(ap, wanted[0], earliest, arrived + self.max_layover):
                for nxt in [g for g in legs if g.carrier in carriers][:BRANCH]:
                    ends.append(Tail((nxt,), nxt.arr + dests[end], dests[end] > 0, frozenset()))
        ends.sort(key=Tail.order)
        # A way through another stop arrives after its next leg lands: once that is past the
        # DOMINATED-th straight arrival, it can only be dominated.
        cut = ends[DOMINATED - 1].arrival if len(ends) >= DOMINATED else 2**62
        longer: list[Tail] = []
        if stops_left > 0:
            stop_targets = tuple(ap for ap in wanted[stops_left] if ap not in dests)
            for ap, transfer in group:
                earliest = arrived + max(mct, minutes(transfer))
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
                                longer.append(Tail((nxt, *tail.legs), tail.arrival, tail.changed, tail.via | {stop}))
        found = self._tail_memo[memo_key] = sorted([*ends, *longer], key=Tail.order)
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


def minutes(t: timedelta) -> int:
    return int(t.total_seconds() // 60)

"""Seats, price and the kept ``Candidate`` objects of itineraries.

Most itineraries priced are dropped, so ``price`` costs one from its cabins alone and only the
K kept ones are built (``make``), with what they owe.  The caches share one object per (leg,
cabin) segment and choice, per minute and per distinct entitlement: a meltdown's candidates are
many, their parts few.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from rebook.domain.model import Cabin, Segment

from . import costs
from .affected import Affected
from .candidate import AirportChange, Candidate
from .routes import Itinerary, from_min, to_min
from .settings import OptimizerSettings


class Pricing:
    """Prices and builds candidates for one flights snapshot (``cabins``: leg → cabins sold)."""

    def __init__(self, settings: OptimizerSettings, cabins: Mapping[str, list[Cabin]], at_risk: frozenset[str]) -> None:
        self.settings = settings
        self.cabins = cabins
        self.at_risk = at_risk
        # (leg, booked cabin) → ((leg, cabin), cabin) in the order tried: keys made once
        self._cabin_order: dict[tuple[str, Cabin], tuple[tuple[tuple[str, Cabin], Cabin], ...]] = {}
        self._segments: dict[tuple[str, Cabin], Segment] = {}
        self._choices: dict[tuple[str, Cabin], costs.LegChoice] = {}  # see ``_legs``
        # Equal entitlements, one object: a meltdown's candidates owe a few thousand distinct ones.
        self._owed_pool: dict[costs.Entitlements, costs.Entitlements] = {}
        # Read for every itinerary priced: settings' attributes once.
        self._any_interline = bool(settings.interline)
        self._risk_cost, self._interline_cost = settings.rotation_risk_cost, settings.interline_cost
        self._times: dict[int, datetime] = {}  # minute → datetime, for the candidates' times

    def seats(
        self,
        it: Itinerary,
        booked: Cabin,
        party: int,
        banned: Collection[tuple[str, Cabin]],
        avail: Mapping[tuple[str, Cabin], int],
        prefer: Sequence[Cabin] = (),
    ) -> tuple[Cabin, ...] | None:
        """The cabin per leg ``it`` would seat the party in (``prefer``red ones while they have
        the seats, else ``_cabin_for``), or None when a leg has no room."""
        cabin_for = self.cabin_for
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

    def price(
        self,
        it: Itinerary,
        own: str,
        j: costs.Journey,
        party: int,
        delay: int,
        cabins: tuple[Cabin, ...],
        ready: int,
    ) -> float:
        """The cost of ``it`` in ``cabins`` for ``party`` of journey ``j`` (``costs``), without building
        what it owes: most options priced are dropped (``_make`` builds the kept ones)."""
        weight = j.weight * party / j.party  # a sub-group of a split party weighs its share
        legs, nights = self._legs(it, cabins), self._nights(it, j, ready)
        cost = costs.option_cost_for_nights(j, weight, party, delay, legs, nights, it.airport_change)
        risky = self._risky(it)
        interline = self._any_interline and self._interline(it, own)
        return cost + party * (self._risk_cost * risky + self._interline_cost * interline)

    @staticmethod
    def floor(j: costs.Journey, weight: float, party: int, delay: int) -> float:
        """No itinerary arriving ``delay`` minutes late or later costs less: the price of one
        with nothing beyond the delay itself — no lower cabin, no hotel night, no airport
        change, no more legs than booked, no risk or interline cost — each of which only adds,
        while what the delay alone costs (time, compensation, meals, the DOT refund right)
        never falls as the delay grows (``tests/unit/optimizer/test_costs.py``).  Priced by the
        same function as the options, so the rounding is the same too."""
        return costs.option_cost_for_nights(j, weight, party, delay, (), 0, False)

    def _owed(
        self, it: Itinerary, a: Affected, j: costs.Journey, delay: int, cabins: tuple[Cabin, ...]
    ) -> costs.Entitlements:
        nights = self._nights(it, j, to_min(a.ready))
        owed = costs.entitlements_for_nights(j, delay, self._legs(it, cabins), nights, it.airport_change)
        return self._owed_pool.setdefault(owed, owed)

    def _legs(self, it: Itinerary, cabins: tuple[Cabin, ...]) -> list[costs.LegChoice]:
        """The legs as the cost model sees them, one shared ``LegChoice`` per (leg, cabin)."""
        choices, out = self._choices, []
        for g, cabin in zip(it.legs, cabins, strict=True):
            found = choices.get((g.leg_id, cabin))
            if found is None:
                found = choices[(g.leg_id, cabin)] = costs.LegChoice(g.origin, g.destination, cabin)
            out.append(found)
        return out

    @staticmethod
    def _nights(it: Itinerary, j: costs.Journey, ready: int) -> int:
        """Hotel nights of the waits: from ``ready`` to the first departure, then between legs."""
        hour, first = j.costs.overnight_local_hour, it.legs[0]
        return costs.overnights(((first.origin, ready, first.dep),), hour) + it.connection_nights(hour)

    def _risky(self, it: Itinerary) -> bool:
        at_risk = self.at_risk
        if not at_risk:
            return False
        known = it.route.risky[it.pos] if it.route is not None else 0
        if not known:
            known = 2 if any(leg.leg_id in at_risk for leg in it.legs) else 1
            if it.route is not None:
                it.route.risky[it.pos] = known
        return known == 2

    def _interline(self, it: Itinerary, own: str) -> bool:
        if not self._any_interline:
            return False
        return any(self.settings.is_interline(own, g.carrier) for g in it.legs)

    def make(
        self, it: Itinerary, a: Affected, j: costs.Journey, own: str, cabins: tuple[Cabin, ...], delay: int, cost: float
    ) -> Candidate:
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
            self._owed(it, a, j, delay, cabins),
            self._risky(it),
            airport_changes=self._airport_changes(it, a) if _moved(it) else (),
            interline=self._interline(it, own),
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

    def _airport_changes(self, it: Itinerary, a: Affected) -> tuple[AirportChange, ...]:
        """Where ``it`` leaves from, connects through or arrives at another airport than booked."""
        transfer = dict(self.settings.co_terminals_of(a.at_airport, mid_journey=a.mid_journey))
        out = [AirportChange(a.at_airport, it.legs[0].origin, transfer.get(it.legs[0].origin, timedelta(0)))]
        for prev, nxt in itertools.pairwise(it.legs):
            transfer = dict(self.settings.co_terminals_of(prev.destination, mid_journey=True))
            out.append(AirportChange(prev.destination, nxt.origin, transfer.get(nxt.origin, timedelta(0))))
        transfer, end = dict(self.settings.co_terminals_of(a.destination)), it.legs[-1].destination
        out.append(AirportChange(a.destination, end, transfer.get(end, timedelta(0))))
        return tuple(c for c in out if c.booked != c.used)

    def cabin_for(
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


def _moved(it: Itinerary) -> bool:
    """Whether ``it`` changes an airport: from, through (a co-terminal connection) or to."""
    return it.airport_change or any(p.destination != n.origin for p, n in itertools.pairwise(it.legs))


class TakenSeats(Mapping[tuple[str, Cabin], int]):
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

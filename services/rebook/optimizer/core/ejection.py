"""Ejection search: free room for a party by moving smaller ones to their other options.

Rounding an LP leaves seats that no remaining party fits into: three free seats and a party of
four.  This search takes each party left without a seat (then each on a dear option), tries
its cheaper options one by one, and where one lacks seats moves parties already on those
flights (the smallest first) to another of their own options that still has room.  A move is
kept only if the total cost falls, so the plan never gets worse; parties stay whole and the
seats per (leg, cabin) are never exceeded.  Work is bounded by a number of attempts, counted
the same way on every machine, so the result is deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .affected import Affected
from .candidate import Candidate
from .groups import LegCabin
from .solution import no_option_cost

_EPS = 1e-6
USERS_TRIED = 24  # parties per short (leg, cabin) considered for a move


@dataclass(frozen=True, slots=True)
class Ejected:
    assignment: dict[str, Candidate | None]
    moves: int  # improving moves applied
    exhausted: bool  # the attempt budget ran out before every party was tried


class _State:
    """Seats left, who sits where, and an undo log for tentative moves."""

    def __init__(
        self, affected: Sequence[Affected], assignment: Mapping[str, Candidate | None], avail: Mapping[LegCabin, int]
    ) -> None:
        self._uses: dict[int, tuple[LegCabin, ...]] = {}  # by identity: hashing segments is the hot spot
        self.party = {a.booking.record_locator: a.booking.party_size for a in affected}
        self.chosen: dict[str, Candidate | None] = dict(assignment)
        self.left = dict(avail)
        self.users: dict[LegCabin, set[str]] = defaultdict(set)
        for locator, c in self.chosen.items():
            for lc in self.uses(c):
                self.left[lc] = self.left.get(lc, 0) - self.party[locator]
                self.users[lc].add(locator)
        self.log: list[tuple[str, Candidate | None]] = []
        self._smallest: dict[LegCabin, list[str]] = {}  # users by (party, locator), while unchanged

    def uses(self, c: Candidate | None) -> tuple[LegCabin, ...]:
        """(leg, cabin)s of ``c`` (candidates live as long as this state, so ids are stable)."""
        if c is None:
            return ()
        found = self._uses.get(id(c))
        if found is None:
            found = self._uses[id(c)] = tuple((s.leg_id, s.cabin) for s in c.segments)
        return found

    def smallest_users(self, lc: LegCabin) -> list[str]:
        """Parties on ``lc``, smallest first (cached until someone moves on or off it)."""
        found = self._smallest.get(lc)
        if found is None:
            found = self._smallest[lc] = sorted(self.users[lc], key=lambda u: (self.party[u], u))
        return found

    def fits(self, c: Candidate, locator: str) -> bool:
        n, mine = self.party[locator], self.uses(self.chosen.get(locator))
        return all(self.left.get(lc, 0) + (n if lc in mine else 0) >= n for lc in self.uses(c))

    def put(self, locator: str, c: Candidate | None) -> None:
        self.log.append((locator, self.chosen.get(locator)))
        self._set(locator, c)

    def undo(self, mark: int) -> None:
        while len(self.log) > mark:
            locator, before = self.log.pop()
            self._set(locator, before)

    def _set(self, locator: str, c: Candidate | None) -> None:
        n = self.party[locator]
        for lc in self.uses(self.chosen.get(locator)):
            self.left[lc] += n
            self.users[lc].discard(locator)
            self._smallest.pop(lc, None)
        for lc in self.uses(c):
            self.left[lc] = self.left.get(lc, 0) - n
            self.users[lc].add(locator)
            self._smallest.pop(lc, None)
        self.chosen[locator] = c


def eject(
    affected: Sequence[Affected],
    candidates: Mapping[str, Sequence[Candidate]],
    avail: Mapping[LegCabin, int],
    assignment: Mapping[str, Candidate | None],
    no_option: Mapping[str, float],
    max_attempts: int,
) -> Ejected:
    """The assignment improved by ejection moves (see the module docstring)."""
    state = _State(affected, assignment, avail)
    skip = {a.booking.record_locator: no_option_cost(a, no_option) for a in affected}
    options = {
        loc: sorted((c for c in candidates.get(loc, ()) if c.cost < skip[loc]), key=lambda c: (c.cost, c.arrival))
        for loc in skip
    }

    def cost(loc: str) -> float:
        c = state.chosen.get(loc)
        return skip[loc] if c is None else c.cost

    # Unseated parties first (dearest first), then the seated with the most to gain.
    order = sorted(
        skip,
        key=lambda loc: (state.chosen.get(loc) is not None, -(cost(loc) - _cheapest(options[loc], cost(loc))), loc),
    )
    budget, moves = max_attempts, 0
    for loc in order:
        for option in options[loc]:
            if option.cost >= cost(loc) - _EPS:
                break
            if budget <= 0:
                return Ejected(state.chosen, moves, True)
            budget -= 1
            mark = len(state.log)
            gain = cost(loc) - option.cost
            extra, budget = _make_room(state, loc, option, options, budget)
            if extra is not None and extra < gain - _EPS:
                state.put(loc, option)
                moves += 1
                break
            state.undo(mark)
    return Ejected(state.chosen, moves, False)


def _cheapest(options: Sequence[Candidate], current: float) -> float:
    return options[0].cost if options else current


def _make_room(
    state: _State, loc: str, option: Candidate, options: Mapping[str, Sequence[Candidate]], budget: int
) -> tuple[float | None, int]:
    """Moves parties off ``option``'s short (leg, cabin)s until ``loc`` fits; returns the cost
    the moves add (None: no room could be made) and the budget left."""
    party = state.party[loc]
    mine = set(state.uses(state.chosen.get(loc)))
    wanted = set(state.uses(option))
    added = 0.0
    for lc in sorted(wanted):
        short = party - state.left.get(lc, 0) - (party if lc in mine else 0)
        if short <= 0:
            continue
        users = [u for u in state.smallest_users(lc)[: USERS_TRIED + 1] if u != loc][:USERS_TRIED]
        for other in users:
            if short <= 0:
                break
            if budget <= 0:
                return None, 0
            budget -= 1
            here = state.chosen[other]
            move = next((c for c in options[other] if wanted.isdisjoint(state.uses(c)) and state.fits(c, other)), None)
            if move is None or here is None:
                continue
            added += move.cost - here.cost
            state.put(other, move)
            short -= state.party[other]
        if short > 0:
            return None, budget
    # Seats on legs that were not short may have been taken by the moved parties.
    return (added if state.fits(option, loc) else None), budget

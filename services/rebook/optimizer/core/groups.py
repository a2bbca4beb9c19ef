"""Bookings aggregated into interchangeable groups, and the integer bookkeeping over them.

A group is the bookings with the same options (cheapest first), party size and cost of no
seat: the solver decides how many of its units take each option (``counts``), never which
booking; ``expand`` hands the units to the members.  The helpers here place, move and price
whole units against the seats per (leg, cabin); ``solver.py`` decides with LPs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rebook.domain.model import Cabin

from .affected import Affected
from .candidate import Candidate
from .solution import no_option_cost

LegCabin = tuple[str, Cabin]


@dataclass(slots=True)
class Group:
    """Interchangeable bookings: same options (cheapest first), party size and weight."""

    members: list[Affected]
    options: tuple[Candidate, ...]
    party: int
    skip_cost: float
    uses: list[tuple[LegCabin, ...]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


def make_groups(
    affected: Sequence[Affected], candidates: Mapping[str, Sequence[Candidate]], no_option: Mapping[str, float]
) -> list[Group]:
    by_key: dict[tuple[Any, ...], Group] = {}
    for a in sorted(affected, key=lambda a: a.booking.record_locator):
        skip = no_option_cost(a, no_option)
        # An option dearer than no option is never chosen, so it need not be modelled.
        options = tuple(
            sorted(
                (c for c in candidates.get(a.booking.record_locator, ()) if c.cost < skip),
                key=lambda c: (c.cost, c.arrival),
            )
        )
        key = (options, a.booking.party_size, skip)
        group = by_key.get(key)
        if group is None:
            uses = [tuple((s.leg_id, s.cabin) for s in c.segments) for c in options]
            group = by_key[key] = Group([], options, a.booking.party_size, skip, uses)
        group.members.append(a)
    return list(by_key.values())


def components(groups: list[Group]) -> list[list[Group]]:
    """Groups linked through a shared (leg, cabin) must be solved together; others need not."""
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[LegCabin, int] = {}
    for gi, g in enumerate(groups):
        for use in g.uses:
            for lc in use:
                if lc in owner:
                    parent[find(gi)] = find(owner[lc])
                else:
                    owner[lc] = gi
    comps: dict[int, list[Group]] = defaultdict(list)
    for gi, g in enumerate(groups):
        comps[find(gi)].append(g)
    return sorted(comps.values(), key=lambda c: c[0].members[0].booking.record_locator)


def fits(groups: list[Group], counts: list[list[int]], avail: Mapping[LegCabin, int]) -> bool:
    return all(v >= 0 for v in residual(groups, counts, avail).values())


def residual(groups: list[Group], counts: list[list[int]], avail: Mapping[LegCabin, int]) -> dict[LegCabin, int]:
    """Seats left on every (leg, cabin) ``counts`` uses; any other has all of ``avail``."""
    left: dict[LegCabin, int] = {}
    for g, row in zip(groups, counts, strict=True):
        for n, use in zip(row, g.uses, strict=True):
            if n:
                seats = n * g.party
                for lc in use:
                    left[lc] = left.get(lc, avail.get(lc, 0)) - seats
    return left


def take(left: dict[LegCabin, int], avail: Mapping[LegCabin, int], use: tuple[LegCabin, ...], party: int) -> bool:
    """Take ``party`` seats on every (leg, cabin) of ``use`` if all have them."""
    if any(left.get(lc, avail.get(lc, 0)) < party for lc in use):
        return False
    for lc in use:
        left[lc] = left.get(lc, avail.get(lc, 0)) - party
    return True


def repair(groups: list[Group], counts: list[list[int]], avail: Mapping[LegCabin, int]) -> list[list[int]]:
    """Place the units rounding left out, highest priority per seat first, cheapest option first."""
    left = residual(groups, counts, avail)
    order = sorted(range(len(groups)), key=lambda i: -groups[i].skip_cost / groups[i].party)
    for gi in order:
        g, row = groups[gi], counts[gi]
        for _ in range(g.size - sum(row)):
            j = next((j for j, use in enumerate(g.uses) if take(left, avail, use, g.party)), None)
            if j is None:
                break
            row[j] += 1
    return counts


def improve(groups: list[Group], counts: list[list[int]], avail: Mapping[LegCabin, int]) -> list[list[int]]:
    """Move units to a cheaper option wherever seats are left (repeat until nothing moves)."""
    left = residual(groups, counts, avail)
    moved = True
    while moved:
        moved = False
        for g, row in zip(groups, counts, strict=True):
            for j in range(len(row) - 1, 0, -1):
                while row[j] and any(
                    take(left, avail, g.uses[i], g.party) and move_unit(left, g, row, i, j) for i in range(j)
                ):
                    moved = True
    return counts


def move_unit(left: dict[LegCabin, int], g: Group, row: list[int], to: int, frm: int) -> bool:
    for lc in g.uses[frm]:
        left[lc] += g.party
    row[to] += 1
    row[frm] -= 1
    return True


def cost_of(groups: list[Group], counts: list[list[int]]) -> float:
    total = 0.0
    for g, row in zip(groups, counts, strict=True):
        total += sum(n * o.cost for n, o in zip(row, g.options, strict=True)) + (g.size - sum(row)) * g.skip_cost
    return total


def expand(groups: list[Group], counts: list[list[int]]) -> dict[str, Candidate | None]:
    """Hand a group's units to its members: cheapest options to the earliest record locators."""
    out: dict[str, Candidate | None] = {}
    for g, row in zip(groups, counts, strict=True):
        picks = [o for n, o in zip(row, g.options, strict=True) for _ in range(n)]
        for i, a in enumerate(g.members):
            out[a.booking.record_locator] = picks[i] if i < len(picks) else None
    return out

"""One component's assignment LP built from arrays, not column by column.

At airline scale the giant component's LP has 450,000 columns and a million nonzeros, and it
is built five times a plan (the first LP, two parties-first LPs, again after widening):
appending them one by one in Python took a tenth of the plan.  ``ComponentArrays`` flattens the
groups' options and seats once per component; ``build`` then makes each LP with numpy from the
units and seats a partial plan leaves.

The model is exactly the one the per-column construction made, in the same order, so HiGHS
returns the same vertex: per group with units left, a row ``skip + Σ options = units`` with the
skip column first and its options cheapest first; then per (leg, cabin), in the order the
options first use it, ``Σ party · x ≤ seats left`` where those columns could exceed the seats.
An option is a column only while every (leg, cabin) it uses has a seat for its party.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .groups import Group, LegCabin
from .linear import LinearArrays

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ComponentArrays:
    """The groups of one component flattened: options ``k`` in group order, their seat uses
    ``u`` in option order, (leg, cabin) pairs as ids in order of first use."""

    size: Ints  # per group
    party: Ints
    skip_cost: Floats
    first_option: Ints  # per group, its first option's k (options of a group are contiguous)
    option_group: Ints  # per option
    option_cost: Floats
    first_use: Ints  # per option, its first use's u
    use_option: Ints  # per use
    use_seat: Ints  # per use, the (leg, cabin) id
    seats: list[LegCabin]  # per id

    @classmethod
    def of(cls, groups: list[Group]) -> ComponentArrays:
        ids: dict[LegCabin, int] = {}
        option_group: list[int] = []
        option_cost: list[float] = []
        use_option: list[int] = []
        use_seat: list[int] = []
        first_option: list[int] = []
        first_use: list[int] = []
        for gi, g in enumerate(groups):
            first_option.append(len(option_group))
            for option, use in zip(g.options, g.uses, strict=True):
                first_use.append(len(use_option))
                for lc in use:
                    use_option.append(len(option_group))
                    use_seat.append(ids.setdefault(lc, len(ids)))
                option_group.append(gi)
                option_cost.append(option.cost)
        return cls(
            np.array([g.size for g in groups], dtype=np.int64),
            np.array([g.party for g in groups], dtype=np.int64),
            np.array([g.skip_cost for g in groups], dtype=np.float64),
            np.array(first_option, dtype=np.int64),
            np.array(option_group, dtype=np.int64),
            np.array(option_cost, dtype=np.float64),
            np.array(first_use, dtype=np.int64),
            np.array(use_option, dtype=np.int64),
            np.array(use_seat, dtype=np.int64),
            list(ids),
        )

    @property
    def groups(self) -> int:
        return len(self.size)

    @property
    def options(self) -> int:
        return len(self.option_group)

    def flat(self, counts: list[list[int]]) -> Ints:
        """Per-group rows of per-option counts as one array over options."""
        return np.fromiter((n for row in counts for n in row), dtype=np.int64, count=self.options)

    def rows(self, values: Floats) -> list[list[float]]:
        """One value per option back as per-group rows."""
        flat = values.tolist()
        bounds = [*self.first_option.tolist(), self.options]
        return [flat[bounds[gi] : bounds[gi + 1]] for gi in range(self.groups)]


@dataclass(frozen=True, slots=True)
class ComponentLp:
    """An LP over what ``fixed`` leaves, and where each option's column is (-1: none)."""

    model: LinearArrays
    option_column: Ints
    seat_rows: list[LegCabin]  # the (leg, cabin) of each seat row, after the choice rows

    def seat_prices(self, duals: Floats) -> dict[LegCabin, float]:
        """What one more seat on each (leg, cabin) would save: minus the seat row's dual."""
        first = len(self.model.row_lower) - len(self.seat_rows)
        return {lc: -float(d) for lc, d in zip(self.seat_rows, duals[first:], strict=True) if d < 0}


def build(arrays: ComponentArrays, fixed: list[list[int]], avail: Mapping[LegCabin, int], integer: bool) -> ComponentLp:
    fixed_units = arrays.flat(fixed)
    placed = np.bincount(arrays.option_group, weights=fixed_units, minlength=arrays.groups)
    units = arrays.size - placed.astype(np.int64)
    option_party = arrays.party[arrays.option_group]
    taken = np.bincount(
        arrays.use_seat, weights=(fixed_units * option_party)[arrays.use_option], minlength=len(arrays.seats)
    ).astype(np.int64)
    left = np.array([avail.get(lc, 0) for lc in arrays.seats], dtype=np.int64) - taken
    open_group = units > 0
    fits = left[arrays.use_seat] >= option_party[arrays.use_option]
    alive = (
        np.logical_and.reduceat(fits, arrays.first_use) & open_group[arrays.option_group]
        if arrays.options
        else np.zeros(0, dtype=bool)
    )

    # Slots in column order: per group its skip column, then its options.
    skip_slot = np.arange(arrays.groups) + arrays.first_option
    option_slot = arrays.option_group + 1 + np.arange(arrays.options)
    active = np.zeros(arrays.groups + arrays.options, dtype=bool)
    active[skip_slot] = open_group
    active[option_slot] = alive
    column_of_slot = np.cumsum(active) - 1
    slot_group = np.empty(len(active), dtype=np.int64)
    slot_group[skip_slot] = np.arange(arrays.groups)
    slot_group[option_slot] = arrays.option_group
    slot_cost = np.empty(len(active), dtype=np.float64)
    slot_cost[skip_slot] = arrays.skip_cost
    slot_cost[option_slot] = arrays.option_cost
    slot_integer = np.zeros(len(active), dtype=bool)
    slot_integer[option_slot] = integer
    columns = np.flatnonzero(active)
    column_group = slot_group[columns]
    upper = units[column_group].astype(np.float64)

    # Choice rows: one per open group, over its columns.
    group_row = np.cumsum(open_group) - 1
    choice_rows = group_row[column_group]
    choice_count = int(open_group.sum())

    option_column = np.where(alive, column_of_slot[option_slot], -1)
    binding, seat_rows, seat_columns, seat_coefficients = _seat_rows(
        arrays, alive, option_column, option_party, upper, left, choice_count
    )
    choice_bounds = units[open_group].astype(np.float64)
    model = LinearArrays(
        cost=slot_cost[columns],
        upper=upper,
        integer=slot_integer[columns],
        row_lower=np.concatenate([choice_bounds, np.full(len(binding), -np.inf)]),
        row_upper=np.concatenate([choice_bounds, left[binding].astype(np.float64)]),
        rows=np.concatenate([choice_rows, seat_rows]),
        columns=np.concatenate([np.arange(len(columns)), seat_columns]),
        coefficients=np.concatenate([np.ones(len(columns)), seat_coefficients]),
    )
    return ComponentLp(model, option_column, [arrays.seats[i] for i in binding.tolist()])


def _seat_rows(
    arrays: ComponentArrays,
    alive: npt.NDArray[np.bool_],
    option_column: Ints,
    option_party: Ints,
    upper: Floats,
    left: Ints,
    first_row: int,
) -> tuple[Ints, Ints, Ints, Floats]:
    """A row per (leg, cabin) live options use, in order of first use, where they could take
    more than its seats left: the (leg, cabin) ids of the rows and their triplets, row-major."""
    live_uses = np.flatnonzero(alive[arrays.use_option])
    use_seat = arrays.use_seat[live_uses]
    use_column = option_column[arrays.use_option[live_uses]]
    use_party = option_party[arrays.use_option[live_uses]].astype(np.float64)
    seat_ids, first_seen = np.unique(use_seat, return_index=True)
    by_first_use = seat_ids[np.argsort(first_seen, kind="stable")]
    demand = np.bincount(use_seat, weights=upper[use_column] * use_party, minlength=len(arrays.seats))
    binding = by_first_use[demand[by_first_use] > left[by_first_use]]  # only rows that can bind
    seat_row = np.full(len(arrays.seats), -1, dtype=np.int64)
    seat_row[binding] = first_row + np.arange(len(binding))
    in_row = seat_row[use_seat] >= 0
    order = np.argsort(seat_row[use_seat][in_row], kind="stable")  # row-major; columns rise within a row
    return binding, seat_row[use_seat][in_row][order], use_column[in_row][order], use_party[in_row][order]


def option_values(lp: ComponentLp, values: Floats) -> Floats:
    """The LP's value of every option (0 where it had no column)."""
    out = np.zeros(len(lp.option_column))
    modelled = lp.option_column >= 0
    out[modelled] = values[lp.option_column[modelled]]
    return out

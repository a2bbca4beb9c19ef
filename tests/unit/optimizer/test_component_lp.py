"""The array-built LP is the model the per-column construction makes, entry for entry, so the
solver's vertex (and the plan) does not change with how the model is built."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.model import Cabin
from rebook.optimizer.core.candidate import Candidate
from rebook.optimizer.core.component_lp import ComponentArrays, build, option_values
from rebook.optimizer.core.groups import Group, LegCabin
from rebook.optimizer.core.linear import LinearArrays

from .linear_model import LinearModel

T = datetime(2026, 11, 23, tzinfo=UTC)
SEATS: list[LegCabin] = [(f"L{i}", Cabin.ECONOMY) for i in range(6)]


def _per_column(
    groups: list[Group], fixed: list[list[int]], avail: dict[LegCabin, int], integer: bool
) -> tuple[LinearArrays, list[list[int]]]:
    """The reference: the model as it was built column by column before the arrays."""
    left = dict(avail)
    for g, row in zip(groups, fixed, strict=True):
        for n, use in zip(row, g.uses, strict=True):
            for lc in use:
                left[lc] = left.get(lc, 0) - n * g.party
    model = LinearModel()
    columns: list[list[int]] = []
    rows: dict[LegCabin, list[tuple[int, float]]] = defaultdict(list)
    for g, row_fixed in zip(groups, fixed, strict=True):
        units = g.size - sum(row_fixed)
        row: list[int] = []
        columns.append(row)
        if units <= 0:
            row.extend([-1] * len(g.options))
            continue
        choose = [(model.column(g.skip_cost, units, False), 1.0)]
        for option, use in zip(g.options, g.uses, strict=True):
            if any(left.get(lc, 0) < g.party for lc in use):
                row.append(-1)
                continue
            column = model.column(option.cost, units, integer)
            choose.append((column, 1.0))
            for lc in use:
                rows[lc].append((column, float(g.party)))
            row.append(column)
        model.row(units, units, choose)
    for lc, terms in rows.items():
        if sum(model.upper[column] * party for column, party in terms) > left.get(lc, 0):
            model.row(-math.inf, left.get(lc, 0), terms)
    return model.arrays(), columns


def _candidate(cost: float) -> Candidate:
    return Candidate((), T, T, 0, 0, False, cost)


@st.composite
def _components(draw: Any) -> tuple[list[Group], list[list[int]], dict[LegCabin, int]]:
    groups = []
    for _ in range(draw(st.integers(1, 6))):
        uses = draw(
            st.lists(st.lists(st.sampled_from(SEATS), min_size=1, max_size=3, unique=True), min_size=0, max_size=4)
        )
        options = tuple(_candidate(draw(st.floats(0, 500))) for _ in uses)
        size = draw(st.integers(1, 5))
        groups.append(Group([None] * size, options, draw(st.integers(1, 4)), 1000.0, [tuple(u) for u in uses]))  # type: ignore[list-item]
    fixed = [[draw(st.integers(0, 2)) for _ in g.options] for g in groups]
    for g, row in zip(groups, fixed, strict=True):  # never more units placed than a group has
        while sum(row) > g.size:
            row[row.index(max(row))] -= 1
    avail = {lc: draw(st.integers(0, 12)) for lc in SEATS}
    return groups, fixed, avail


@settings(max_examples=300, deadline=None)
@given(_components(), st.booleans())
def test_the_array_model_is_the_per_column_model(component: Any, integer: bool) -> None:
    groups, fixed, avail = component
    expected, columns = _per_column(groups, fixed, avail, integer)
    lp = build(ComponentArrays.of(groups), fixed, avail, integer)
    for name in LinearArrays.__slots__:
        assert np.array_equal(getattr(lp.model, name), getattr(expected, name)), name
    assert lp.option_column.tolist() == [c for row in columns for c in row]


def test_option_values_come_back_per_group_with_zero_where_no_column() -> None:
    seat = SEATS[0]
    groups = [
        Group([None, None], (_candidate(1.0), _candidate(2.0)), 1, 99.0, [(seat,), (SEATS[1],)]),  # type: ignore[list-item]
        Group([None], (_candidate(3.0),), 2, 99.0, [(seat,)]),  # type: ignore[list-item]
    ]
    arrays = ComponentArrays.of(groups)
    lp = build(arrays, [[0, 0], [0]], {seat: 1, SEATS[1]: 5}, False)
    # Columns: skip, option 0, option 1 of the first group; its second option has no seat row
    # (it cannot bind); the second group's option needs 2 seats where 1 is left: no column.
    assert lp.option_column.tolist() == [1, 2, -1]
    values = np.array([0.0, 1.0, 1.0, 1.0])
    assert arrays.rows(option_values(lp, values)) == [[1.0, 1.0], [0.0]]

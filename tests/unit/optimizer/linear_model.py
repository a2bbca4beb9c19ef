"""A small LP written column by column and row by row, for tests: the reference the array
builder (``component_lp``) is checked against, and small models for ``solve_linear``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rebook.optimizer.core.linear import LinearArrays


@dataclass(slots=True)
class LinearModel:
    """A small ``LinearArrays`` written column by column and row by row (``row`` sorts its
    terms; each column at most once per row)."""

    cost: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    coefficients: list[float] = field(default_factory=list)

    def column(self, cost: float, upper: float, integer: bool) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, lower: float, upper: float, terms: list[tuple[int, float]]) -> int:
        r = len(self.row_lower)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        for column, coefficient in sorted(terms):
            self.rows.append(r)
            self.columns.append(column)
            self.coefficients.append(coefficient)
        return r

    def arrays(self) -> LinearArrays:
        return LinearArrays(
            np.array(self.cost, dtype=np.float64),
            np.array(self.upper, dtype=np.float64),
            np.array(self.integer, dtype=bool),
            np.array(self.row_lower, dtype=np.float64),
            np.array(self.row_upper, dtype=np.float64),
            np.array(self.rows, dtype=np.int64),
            np.array(self.columns, dtype=np.int64),
            np.array(self.coefficients, dtype=np.float64),
        )

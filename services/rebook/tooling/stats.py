"""The one definition of a quantile that every bench, the demo and replay report.

Nearest rank: the q-quantile of n values is the value at rank ceil(q * n) (1-based) of the
sorted values, so p99 of 200 latencies is the 198th smallest — always an observed value, never
an interpolation, and the same statistic in `rebook bench e2e` and `make demo`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import overload


@overload
def quantile(values: Iterable[float], q: float, empty: float = ...) -> float: ...
@overload
def quantile(values: Iterable[float], q: float, empty: None) -> float | None: ...
def quantile(values: Iterable[float], q: float, empty: float | None = math.nan) -> float | None:
    """Nearest-rank ``q``-quantile (0 < q ≤ 1) of ``values``; ``empty`` when there are none."""
    ordered = sorted(values)
    if not ordered:
        return empty
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def weighted_quantile(pairs: Sequence[tuple[float, int]], q: float) -> float | None:
    """Nearest-rank quantile of values each counted ``weight`` times (e.g. per passenger)."""
    total = sum(weight for _, weight in pairs)
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for value, weight in sorted(pairs):
        seen += weight
        if seen >= rank:
            return value
    return max(value for value, _ in pairs)

"""Issue 18.4: airline semantics: overbooking is not a down-gauge; partnerships per carrier
and directional; a minimum notice before departure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rebook.domain.model import Cabin, Disruption, DisruptionKind
from rebook.optimizer.core import OptimizerSettings, find_affected

from .conftest import T0, booking, index, leg

S = OptimizerSettings()


def _d(kind: DisruptionKind, g, **kw) -> Disruption:
    return Disruption(f"{kind.name}:{g.leg_id}", 1, kind, "RB", (g.leg_id,), T0, **kw)


def test_overbooking_is_not_a_downgauge() -> None:
    over = leg(1, "FRA", "LHR", 120, seats={Cabin.ECONOMY: 10}, sold={Cabin.ECONOMY: 12})
    parties = [booking(f"OVER{i}", (over,)) for i in range(12)]
    late = _d(DisruptionKind.DELAY, over, new_departure=over.departure + timedelta(minutes=20))
    assert find_affected(index(over), parties, [late], S, T0) == []  # nobody moved off for a delay
    smaller = replace(over, capacity={Cabin.ECONOMY: 8})
    gauge = _d(DisruptionKind.DOWNGAUGE, over, old_capacity={Cabin.ECONOMY: 10}, new_capacity={Cabin.ECONOMY: 8})
    moved = find_affected(index(smaller), parties, [gauge], S, T0)
    assert len(moved) == 2  # the two seats lost, not the four above capacity

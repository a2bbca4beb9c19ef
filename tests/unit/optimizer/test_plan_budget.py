"""The time limit bounds the whole plan (issue 18.2): the solve gets what the candidates left."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import OptimizerSettings, plan_rebooking
from rebook.optimizer.core import rebook as rebook_module

from .conftest import T0, booking, index, leg


class _Stop(Exception):
    pass


@pytest.mark.parametrize(("candidates_took", "solve_gets"), [(7.5, 2.5), (12.0, 0.1)])
def test_solve_gets_what_the_candidates_left(monkeypatch, candidates_took, solve_gets):
    cancelled = replace(leg(1, "DEN", "ORD", 60), status=FlightStatus.CANCELLED)
    flights = index(cancelled, leg(2, "DEN", "ORD", 120))
    bookings = [booking("ABCDE", (cancelled,))]
    disruptions = [Disruption("CANCELLATION:x", 1, DisruptionKind.CANCELLATION, "RB", (cancelled.leg_id,), T0)]
    clock = iter([100.0, 100.0 + candidates_took])  # plan start, then candidates done
    monkeypatch.setattr(rebook_module.time, "perf_counter", lambda: next(clock, 100.0 + candidates_took))
    seen = []

    def solve_widening(affected, builder, candidates, avail, settings):
        seen.append(settings.time_limit_s)
        raise _Stop

    monkeypatch.setattr(rebook_module, "solve_widening", solve_widening)
    with pytest.raises(_Stop):
        plan_rebooking(flights, bookings, disruptions, {}, {}, OptimizerSettings(time_limit_s=10.0), T0)
    assert seen == [pytest.approx(solve_gets)]

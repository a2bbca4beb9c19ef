"""The optimizer engine's test network, shared by its unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from tests.unit.optimizer.conftest import T0, booking, leg

NOW = T0 - timedelta(hours=2)


def cancellation(leg_id: str, version: int = 1, withdrawn: bool = False) -> Disruption:
    return Disruption(
        f"CANCELLATION:{leg_id}", version, DisruptionKind.CANCELLATION, "RB", (leg_id,), NOW, withdrawn=withdrawn
    )


@pytest.fixture
def network():
    """FRA→JFK at T0 (cancelled in tests), then three later FRA→JFK with a few seats each."""
    cancelled = leg(100, "FRA", "JFK", 0, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 5})
    later = [
        leg(101, "FRA", "JFK", 120, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 7}),  # 3 free
        leg(102, "FRA", "JFK", 240, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 6}),  # 4 free
        leg(103, "FRA", "JFK", 600, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 0}),
    ]
    engine = RebookingEngine(OptimizerSettings(k_best=4, time_limit_s=5))
    for flight in (cancelled, *later):
        engine.apply_flight(flight)
    engine.upsert_bookings([booking("AAAAA1", (cancelled,), party=3), booking("BBBBB2", (cancelled,), party=2)])
    engine.apply_flight(replace(cancelled, status=FlightStatus.CANCELLED, version=2))
    return engine, cancelled, later

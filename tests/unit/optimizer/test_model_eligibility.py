"""Issue 14.1: a connection breaks on its minimum connection time, whatever the delay's size;
the delay threshold only decides what is announced.  ``rebook solve`` reads REBOOK_DETECTOR_*
as the services do."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rebook.domain.model import Disruption, DisruptionKind
from rebook.flightops.events import EstimateChange, FlightEvent
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from rebook.tooling.solve_cli import solve_scenario

from .conftest import T0, booking, leg
from .scenarios import write_scenario


def _small_delay_scenario(folder: Path) -> Path:
    feeder = leg(1, "FRA", "DEN", 0, block_min=90)  # lands 13:30
    onward = leg(2, "DEN", "SFO", 140)  # leaves 14:20: 50 min to connect, MCT 45
    later = leg(3, "DEN", "SFO", 300)
    trip = booking("SMALL", (feeder, onward))
    # 12 minutes late: under the 15-minute threshold, yet 38 min < 45 min MCT.
    retimed = EstimateChange(arrival=feeder.arrival + timedelta(minutes=12))
    late = FlightEvent("ev-1", feeder.leg_id, T0 - timedelta(hours=2), retimed)
    return write_scenario(folder, [feeder, onward, later], [trip], [late])


def test_small_delay_breaking_a_connection_gets_an_offer(tmp_path: Path) -> None:
    summary, offers = solve_scenario(_small_delay_scenario(tmp_path), "optimal", None)
    assert summary["bookings_affected"] == 1 and summary["passengers_with_option"] == 1
    assert summary["delays_below_threshold"] == 1  # published for connections, not announced
    [offer] = offers
    assert offer.record_locator == "SMALL"


def test_offline_solve_reads_the_detector_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBOOK_DETECTOR_DELAY_THRESHOLD", "10m")
    summary, _ = solve_scenario(_small_delay_scenario(tmp_path), "optimal", None)
    assert summary["delays_below_threshold"] == 0  # 12 min is an announced delay under 10m
    assert summary["bookings_affected"] == 1


def test_a_harmless_small_delay_is_not_planned_at_all() -> None:
    """A retiming below the threshold that breaks nothing costs no solve online."""
    feeder, onward = leg(1, "FRA", "DEN", 0), leg(2, "DEN", "SFO", 300)
    engine = RebookingEngine(OptimizerSettings())
    for flight in (feeder, onward):
        engine.apply_flight(flight)
    engine.upsert_bookings([booking("FINE1", (feeder, onward))])
    minor = Disruption(
        f"DELAY:{feeder.leg_id}",
        1,
        DisruptionKind.DELAY,
        "RB",
        (feeder.leg_id,),
        T0,
        new_arrival=feeder.arrival + timedelta(minutes=10),
        below_threshold=True,
    )
    result = engine.handle([minor], T0)
    assert result.plan is None and result.offers == () and result.disruptions == 1

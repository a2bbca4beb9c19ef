"""Issue 14.3: a flight is usable unless it truly is not.  A leg whose aircraft is out of
position after a cancellation stays usable at a risk cost; only predicted cancellations are
banned."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus
from rebook.flightops.events import ActualTimes, Cancellation, FlightEvent
from rebook.optimizer.core import OptimizerSettings, plan_rebooking
from rebook.tooling.solve_cli import solve_scenario

from .conftest import T0, booking, index, leg
from .scenarios import write_scenario

S = OptimizerSettings()


def _disruption(kind: DisruptionKind, leg_id: str, predicted: bool = False) -> Disruption:
    return Disruption(f"{kind.name}:{leg_id}", 1, kind, "RB", (leg_id,), T0, predicted=predicted)


def test_leg_at_risk_is_offered_with_a_risk_cost_not_banned() -> None:
    cancelled = replace(leg(1, "FRA", "DEN", 60), status=FlightStatus.CANCELLED)
    risky = leg(2, "FRA", "DEN", 180)  # the only other flight; its aircraft is out of position
    trip = booking("RISKY", (cancelled,))
    disruptions = [
        _disruption(DisruptionKind.CANCELLATION, cancelled.leg_id),
        _disruption(DisruptionKind.ROTATION_AT_RISK, risky.leg_id, predicted=True),
    ]
    plan = plan_rebooking(index(cancelled, risky), [trip], disruptions, {}, {}, S, T0)
    [option] = plan.options
    assert option.primary is not None and option.primary.segments[0].leg_id == risky.leg_id
    assert option.primary.at_risk
    safe = plan_rebooking(index(cancelled, risky), [trip], disruptions[:1], {}, {}, S, T0).options[0].primary
    assert not safe.at_risk and option.primary.cost == safe.cost + S.rotation_risk_cost


def test_predicted_cancellation_stays_banned() -> None:
    cancelled = replace(leg(1, "FRA", "DEN", 60), status=FlightStatus.CANCELLED)
    doomed = leg(2, "FRA", "DEN", 180)
    disruptions = [
        _disruption(DisruptionKind.CANCELLATION, cancelled.leg_id),
        _disruption(DisruptionKind.CANCELLATION, doomed.leg_id, predicted=True),
    ]
    plan = plan_rebooking(index(cancelled, doomed), [booking("DOOM", (cancelled,))], disruptions, {}, {}, S, T0)
    assert plan.options[0].primary is None


def test_one_shot_solve_does_not_apply_the_days_final_states(tmp_path: Path) -> None:
    """The later flight departs at 14:05 (an actual-times event); the 08:00 cancellation's
    passenger must still get it: the one-shot plans with what was known when."""
    cancelled, later = leg(1, "FRA", "DEN", -120), leg(2, "FRA", "DEN", 120)
    events = [
        FlightEvent("ev-cnl", cancelled.leg_id, T0 - timedelta(hours=4), Cancellation("wx")),
        FlightEvent("ev-off", later.leg_id, T0 + timedelta(minutes=125), ActualTimes(T0 + timedelta(minutes=125))),
    ]
    folder = write_scenario(tmp_path, [cancelled, later], [booking("FINAL", (cancelled,))], events)
    summary, offers = solve_scenario(folder, "optimal", None)
    assert summary["passengers_with_option"] == 1
    assert offers[0].holds[0].leg_id == later.leg_id

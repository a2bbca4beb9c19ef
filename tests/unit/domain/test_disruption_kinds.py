"""The disruption-kind table: one row per kind, and the services read it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from rebook.domain import disruptions
from rebook.domain.disruptions import KINDS, LegFacts, Prediction, Reason, detect, with_disruption
from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightLeg, FlightStatus
from rebook.flightops.rules import LEG_KINDS as DETECTOR_KINDS
from rebook.optimizer.core.rebook import predicted_unusable, rotation_at_risk

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _leg(**changes: object) -> FlightLeg:
    fields: dict[str, object] = {
        "leg_id": "RB1-2026-11-23-FRA",
        "carrier": "RB",
        "flight_number": "1",
        "operating_date": date(2026, 11, 23),
        "origin": "FRA",
        "destination": "LHR",
        "scheduled_departure": T0,
        "scheduled_arrival": T0 + timedelta(hours=2),
        "capacity": {Cabin.ECONOMY: 100},
        "sold": {Cabin.ECONOMY: 90},
        "tail_number": "D-ABCD",
    }
    return FlightLeg(**{**fields, **changes})  # type: ignore[arg-type]


def _facts(leg: FlightLeg, **changes: object) -> LegFacts:
    return LegFacts(leg, timedelta(minutes=15), **changes)  # type: ignore[arg-type]


def test_every_kind_has_one_row_and_every_reason_one_kind() -> None:
    assert set(KINDS) == set(DisruptionKind)
    assert all(rule.kind is kind for kind, rule in KINDS.items())
    assert all(disruptions.KINDS_OF_REASON[reason] for reason in Reason)
    assert disruptions.KINDS_OF_REASON[Reason.MISCONNECTION] == {DisruptionKind.DELAY}
    assert all(disruptions.WHAT[reason] for reason in Reason)
    assert DETECTOR_KINDS == disruptions.LEG_KINDS
    assert DisruptionKind.REINSTATEMENT not in DETECTOR_KINDS  # a withdrawn cancellation


def test_a_cancellation_supersedes_every_other_kind() -> None:
    leg = _leg(status=FlightStatus.CANCELLED, diverted_to="MUC", capacity={Cabin.ECONOMY: 50})
    found = detect(_facts(leg, risk_cause_leg_id="RB0-2026-11-23-LHR", cancel_reason="weather"))
    assert [d.kind for d in found.values()] == [DisruptionKind.CANCELLATION]
    assert found["CANCELLATION:RB1-2026-11-23-FRA"].cause == "weather"


def test_each_rule_detects_its_kind_in_table_order() -> None:
    prediction = Prediction(T0 + timedelta(hours=1), T0 + timedelta(hours=3), "RB0-2026-11-23-LHR", "inbound late")
    leg = _leg(diverted_to="MUC", capacity={Cabin.ECONOMY: 50})
    risk = "RB9-2026-11-23-LHR"
    facts = _facts(leg, prediction=prediction, risk_cause_leg_id=risk, old_capacity={Cabin.ECONOMY: 100})
    found = detect(facts)
    assert [d.kind for d in found.values()] == [
        DisruptionKind.DELAY,
        DisruptionKind.DIVERSION,
        DisruptionKind.DOWNGAUGE,
        DisruptionKind.ROTATION_AT_RISK,
    ]
    assert found["DELAY:RB1-2026-11-23-FRA"].predicted
    assert detect(_facts(_leg())) == {}


def _disruption(kind: DisruptionKind, **fields: object) -> Disruption:
    return Disruption(f"{kind.name}:x", 1, kind, "RB", ("RB1-2026-11-23-FRA",), T0, **fields)  # type: ignore[arg-type]


def test_each_kind_changes_the_leg_as_it_says() -> None:
    leg = _leg()
    later = T0 + timedelta(hours=1)
    assert with_disruption(leg, _disruption(DisruptionKind.CANCELLATION)).status is FlightStatus.CANCELLED
    assert with_disruption(leg, _disruption(DisruptionKind.DELAY, new_departure=later)).estimated_departure == later
    diverted = with_disruption(leg, _disruption(DisruptionKind.DIVERSION, diverted_to="MUC"))
    assert (diverted.status, diverted.diverted_to) == (FlightStatus.DIVERTED, "MUC")
    gauged = with_disruption(leg, _disruption(DisruptionKind.DOWNGAUGE, new_capacity={Cabin.ECONOMY: 50}))
    assert gauged.capacity == {Cabin.ECONOMY: 50}
    assert with_disruption(leg, _disruption(DisruptionKind.ROTATION_AT_RISK)) is leg


def test_the_optimizer_reads_avoid_and_risk_from_the_table() -> None:
    live = [
        _disruption(DisruptionKind.CANCELLATION, predicted=True),
        _disruption(DisruptionKind.DELAY, predicted=True),
        _disruption(DisruptionKind.ROTATION_AT_RISK, predicted=True),
    ]
    avoided = {k for k, r in KINDS.items() if r.avoid_when_predicted}
    risky = {k for k, r in KINDS.items() if r.at_risk}
    assert avoided == {DisruptionKind.CANCELLATION} and risky == {DisruptionKind.ROTATION_AT_RISK}
    assert predicted_unusable(live) == {"RB1-2026-11-23-FRA"}
    assert predicted_unusable(live[1:]) == frozenset()
    assert rotation_at_risk(live[2:]) == {"RB1-2026-11-23-FRA"}

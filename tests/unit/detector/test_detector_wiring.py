"""The detector's transport-side pieces that need no broker: event translation, the
applied-events header and settings from the environment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rebook.detector import applied
from rebook.domain.errors import ValidationError
from rebook.domain.model import Cabin
from rebook.flightops import (
    ActualTimes,
    Cancellation,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)
from rebook.flightops.config import load_settings
from rebook.flightops.convert import event_from_proto, event_kind, event_to_proto
from rebook.runtime.config import ConfigError
from rebook.v1 import event_pb2, flight_pb2
from tests.unit.flightops.flightops_helpers import t

CHANGES = [
    EstimateChange(departure=t(7), arrival=t(8)),
    EstimateChange(arrival=t(8)),
    Cancellation("crew"),
    Reinstatement(),
    Diversion("MUC"),
    EquipmentChange("D-AIXX", "A321", {Cabin.ECONOMY: 190, Cabin.BUSINESS: 28}),
    ActualTimes(off_block=t(6, 5), takeoff=t(6, 17)),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: type(c).__name__)
def test_every_change_round_trips(change) -> None:
    event = FlightEvent("ev-1", "RB100-2026-11-23-FRA", t(5), change)
    message = event_to_proto(event)
    assert event_kind(message) != "unspecified"
    assert event_from_proto(event_pb2.FlightEvent.FromString(message.SerializeToString())) == event


def test_unrepresentable_event_names_every_field() -> None:
    message = event_pb2.FlightEvent(event_id="ev-1", leg_id="RB100-2026-11-23-FRA")
    with pytest.raises(ValidationError) as missing:
        event_from_proto(message, "events[3]")
    assert {v.field for v in missing.value.violations} == {"events[3].event_time", "events[3].change"}
    assert event_kind(message) == "unspecified"
    message = event_to_proto(FlightEvent("ev-2", "RB100-2026-11-23-FRA", t(5), CHANGES[5]))
    message.equipment_change.cabins.append(flight_pb2.CabinSeats(cabin=0, capacity=10))
    with pytest.raises(ValidationError) as cabin:
        event_from_proto(message)
    assert [v.field for v in cabin.value.violations] == ["event.equipment_change.cabins[2].cabin"]


def test_applied_events_header_round_trips_into_restore_events() -> None:
    kinds = {"estimate": ("ev-1", t(4)), "cancellation": ("ev-;=@2", t(4, 30))}
    decoded = applied.decode(applied.encode(kinds).decode())
    assert decoded == kinds
    events = list(applied.as_events({"RB100-2026-11-23-FRA": decoded}))
    assert {(e.event_id, e.event_time, type(e.change)) for e in events} == {
        ("ev-1", t(4), EstimateChange),
        ("ev-;=@2", t(4, 30), Cancellation),
    }
    with pytest.raises(ValueError):
        applied.decode("[1, 2]")


def test_settings_from_environment() -> None:
    settings = load_settings(
        {
            "REBOOK_DETECTOR_DELAY_THRESHOLD": "20m",
            "REBOOK_DETECTOR_DELAY_THRESHOLD_BY_CARRIER": "RB=10m, XY=1h",
            "REBOOK_DETECTOR_DEFAULT_MIN_TURN": "40m",
            "REBOOK_DETECTOR_MIN_TURN_BY_AIRCRAFT_TYPE": "E195=35m",
        }
    )
    assert settings.delay_threshold("RB") == timedelta(minutes=10)
    assert settings.delay_threshold("XY") == timedelta(hours=1)
    assert settings.delay_threshold("ZQ") == timedelta(minutes=20)
    assert settings.default_min_turn == timedelta(minutes=40)
    assert settings.min_turn_by_aircraft_type == {"E195": timedelta(minutes=35)}
    assert load_settings({}).delay_threshold("RB") == timedelta(minutes=15)


@pytest.mark.parametrize("value", ["RB", "RB=soon", "=10m"])
def test_bad_settings_name_the_variable(value) -> None:
    with pytest.raises(ConfigError, match="REBOOK_DETECTOR_DELAY_THRESHOLD_BY_CARRIER"):
        load_settings({"REBOOK_DETECTOR_DELAY_THRESHOLD_BY_CARRIER": value})

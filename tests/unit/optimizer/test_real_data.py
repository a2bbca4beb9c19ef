"""Issue 14.8: an airline's real export loads and solves — 5-digit internal flight numbers, an
operator's aircraft id as tail, a rail station the airport table lacks (ZYR, with its zone) and
surface legs without seat inventory — and a train is offered as part of an itinerary."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rebook.domain.airports import zone
from rebook.domain.model import LegType
from rebook.flightops.events import Cancellation, FlightEvent
from rebook.tooling.sim.scenario_cli import check_scenario
from rebook.tooling.solve_cli import solve_scenario

from .conftest import T0, booking, leg
from .scenarios import write_scenario

BOOKED = leg(100, "FRA", "BRU", 0, 70, tail_number="D-AIBB")  # cancelled
VIA_AMS = leg(10234, "FRA", "AMS", 60, 70, tail_number="A318#1")  # an internal 5-digit number
TRAIN = replace(leg(9001, "AMS", "BRU", 190, 110), capacity={}, sold={}, leg_type=LegType.RAIL)
TO_THE_CITY = replace(
    leg(9002, "BRU", "ZYR", 320, 20), capacity={}, sold={}, leg_type=LegType.RAIL, destination_zone="Europe/Brussels"
)


def test_a_real_export_loads_whole_and_a_train_completes_the_itinerary(tmp_path: Path) -> None:
    cancel = FlightEvent("ev-cnl", BOOKED.leg_id, T0 - timedelta(hours=3), Cancellation("wx"))
    folder = write_scenario(
        tmp_path, [BOOKED, VIA_AMS, TRAIN, TO_THE_CITY], [booking("REAL01", (BOOKED,), party=3)], [cancel]
    )
    checked = check_scenario(folder)
    assert checked["ok"], checked["problems"]
    summary, offers = solve_scenario(folder, "optimal", None)
    assert summary["rejected"] == {"flights": 0, "bookings": 0, "events": 0}
    assert summary["passengers_with_option"] == 3
    [offer] = offers
    primary = next(o for o in offer.options if o.option_id == offer.primary_option_id)
    assert [s.leg_id for s in primary.segments] == [VIA_AMS.leg_id, TRAIN.leg_id]
    assert {h.leg_id for h in offer.holds} == {VIA_AMS.leg_id, TRAIN.leg_id}
    assert "(Amsterdam to Brussels by train)" in offer.explanation, offer.explanation
    assert zone("ZYR") is not None and zone("ZYR").key == "Europe/Brussels"  # the feed's zone is known now

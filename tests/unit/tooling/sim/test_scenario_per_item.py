"""Issues 14.8 / 13.9 / 17.3: ``rebook scenario check`` and ``rebook solve`` on an export with a
few bad items use every valid item and report each bad one (file, index, why) — one bad leg
does not refuse the schedule, and a booking on an unknown leg is refused, not solved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rebook.tooling.sim.scenario_cli import check_scenario, write_generated
from rebook.tooling.solve_cli import solve_scenario


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, int, int]:
    """A generated day plus one leg to an unknown station without a time zone, one booking on a
    leg that is not in the schedule and one in a cabin its leg does not offer."""
    out = tmp_path_factory.mktemp("export")
    write_generated(out, seed=3, size="small")
    flights = (out / "flights.jsonl").read_text().splitlines()
    bad_leg = json.loads(flights[0])
    bad_leg.update(flightNumber="7001", legId=bad_leg["legId"].replace(bad_leg["flightNumber"], "7001", 1))
    bad_leg["destination"] = "QQX"
    (out / "flights.jsonl").write_text("\n".join([*flights, json.dumps(bad_leg)]) + "\n")
    bookings = (out / "bookings.jsonl").read_text().splitlines()
    ghost = json.loads(bookings[0])
    ghost["recordLocator"] = "GHOST1"
    ghost["segments"] = [{"legId": "RB9999-2026-11-23-FRA", "cabin": "CABIN_ECONOMY"}]
    first = json.loads(bookings[1])
    first["recordLocator"] = "FIRST1"
    for segment in first["segments"]:
        segment["cabin"] = "CABIN_FIRST"
    edited = [bookings[0], json.dumps(ghost), json.dumps(first), *bookings[1:]]
    (out / "bookings.jsonl").write_text("\n".join(edited) + "\n")
    return out, len(flights), len(bookings)


def test_check_reports_each_bad_item_and_checks_the_rest(export) -> None:
    folder, legs, bookings = export
    summary = check_scenario(folder)
    assert not summary["ok"]
    assert summary["rejected"] == {"flights": 1, "bookings": 2, "events": 0, "pings": 0}
    assert summary["legs"] == legs + 1 and summary["bookings"] == bookings + 2
    assert summary["disruptions"] > 0  # the events were replayed on the legs that loaded
    lines = summary["problems"]
    assert any(line.startswith(f"flights #{legs} ") and "destination" in line for line in lines)
    assert any(line.startswith("bookings #1 GHOST1: ") and "not a leg of the loaded schedule" in line for line in lines)
    assert any(line.startswith("bookings #2 FIRST1: ") and "FIRST is not offered" in line for line in lines)


def test_solve_leaves_out_the_bad_items_and_says_which(export) -> None:
    folder, legs, bookings = export
    summary, offers = solve_scenario(folder, "greedy", 10.0)
    assert summary["rejected"] == {"flights": 1, "bookings": 2, "events": 0}
    assert summary["legs"] == legs and summary["bookings"] == bookings
    assert any("GHOST1" in line and "segments[0].leg_id" in line for line in summary["rejections"])
    assert not {"GHOST1", "FIRST1"} & {o.record_locator for o in offers}
    assert summary["passengers_affected"] > 0

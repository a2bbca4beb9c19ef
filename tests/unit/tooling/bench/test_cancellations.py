"""``rebook bench cancellations`` (issue 18): a batch of cancellations on the engine holding a
scenario's views gives every affected booking an offer, and says how long and how much memory."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from rebook.tooling.bench import cancellations as bench_cancellations
from rebook.tooling.sim.scenario_cli import write_generated


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("storm")
    write_generated(out, seed=2, size="small")
    return out


def test_cancelled_flights_get_offers_for_their_passengers(folder) -> None:
    result = bench_cancellations.run_benchmark(folder, flights=3, hub=None, at=None)
    assert result["cancelled"] == 3 and result["hub"]
    assert result["offers"] > 0 and result["passengers"] >= result["offers"]
    assert result["bookings"] > 1000 and result["batch_s"] > 0 and result["peak_rss_mb"] >= result["rss_mb"] > 0


def test_the_batch_is_the_earliest_departures_after_an_hour(folder) -> None:
    from rebook.tooling.solve_cli import load_scenario

    legs = load_scenario(folder)[0]
    hub, at = bench_cancellations._storm(folder)
    batch = bench_cancellations.cancellations(legs, hub, at, 5)
    departures = {leg.leg_id: leg.scheduled_departure for leg in legs}
    chosen = [departures[d.leg_ids[0]] for d in batch]
    assert chosen == sorted(chosen) and len(batch) == 5
    later = [leg for leg in legs if leg.origin == hub and leg.scheduled_departure >= at + bench_cancellations._NOTICE]
    assert max(chosen) <= sorted(leg.scheduled_departure for leg in later)[4]
    assert all(d.known_time == at and d.carrier for d in batch)


def test_a_folder_without_a_storm_asks_for_hub_and_time(folder, tmp_path, capsys) -> None:
    for name in ("flights.jsonl", "bookings.jsonl"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    args = argparse.Namespace(scenario=tmp_path, flights=2, hub=None, at=None, json=True, service=False)
    assert bench_cancellations.run(args) == 2
    assert "give --hub and --at" in capsys.readouterr().err

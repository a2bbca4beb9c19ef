"""The demo summary counts a split group's passengers on their own sub-group's flights."""

from __future__ import annotations

from pathlib import Path

from rebook.tooling.demo.summary import offer_stats
from rebook.tooling.solve_cli import solve_scenario
from tests.unit.optimizer.test_model_groups import _group_folder


def test_a_split_group_is_counted_once_with_each_sub_groups_delay(tmp_path: Path) -> None:
    _, [offer] = solve_scenario(_group_folder(tmp_path), "optimal", None)
    stats = offer_stats({offer.record_locator: offer})
    assert stats["groups_split"] == 1 and stats["offered_bookings"] == 1 and stats["offered_passengers"] == 24
    parts = [o for o in offer.options if o.passenger_ids]
    minutes = [o.arrival_delay.ToTimedelta().total_seconds() / 60 for o in parts]
    assert minutes[0] < minutes[1]
    assert abs(stats["delay_min_mean"] - (14 * minutes[0] + 10 * minutes[1]) / 24) < 1e-9

"""Machine-readable output stays machine-readable: nothing but JSON on stdout, even when the
solver library (HiGHS prints a banner unless told not to) runs in the same process."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from rebook.tooling import solve_cli
from rebook.tooling.bench import optimizer as bench
from rebook.tooling.sim.scenario_cli import write_generated


def test_bench_json_is_one_parseable_object_stating_how_the_plan_was_made(capfd) -> None:
    # A generous safety net: only the deterministic work limits may stop this solve.
    assert bench.run(argparse.Namespace(json=True, passengers=2000, seed=1, time_limit=600.0)) == 0
    out = capfd.readouterr().out
    result = json.loads(out)  # fails on any banner line
    assert "lp" in result["phases_s"] and "lp-" in result["method"]  # HiGHS ran in this process
    assert isinstance(result["limits_hit"], list) and result["gap"] >= 0
    assert {"candidates", "greedy", "lp"} <= set(result["phases_s"])


def test_solve_prints_only_json_on_stdout(tmp_path, capfd) -> None:
    write_generated(tmp_path / "day", seed=7, size="small")
    args = argparse.Namespace(
        scenario=tmp_path / "day",
        out=tmp_path / "offers.jsonl",
        solver="optimal",
        time_limit=30.0,
        batches=1,
        replan="improve",
        spacing="known",
        accept_share=0.6,
        accept_after=timedelta(minutes=10),
    )
    assert solve_cli.run(args) == 0
    captured = capfd.readouterr()
    summary = json.loads(captured.out)
    assert summary["method"] and isinstance(summary["limits_hit"], list) and "candidates" in summary["phases_s"]
    assert set(summary["owed"]) == {"compensation", "care", "downgrade_refunds", "refunds_no_seat"}
    assert summary["owed"]["care"] > 0  # a storm day: meals at least
    assert "method" in captured.err and "gap" in captured.err  # the human summary, off stdout

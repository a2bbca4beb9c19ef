"""``rebook demo`` end to end on the small scenario against the test broker: the JSON summary
has sensible values, online and offline agree, and no process it started is left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.processes import run_tree

pytestmark = pytest.mark.e2e


def _alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie or a reused pid running something else does not count)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    zombie = any(line.startswith("State:") and "Z" in line.split()[1] for line in status.splitlines())
    return not zombie and b"rebook" in cmdline


def test_demo_small_end_to_end(kafka_bootstrap: str, tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    env = {**os.environ, "REBOOK_KAFKA_BOOTSTRAP": kafka_bootstrap}
    started = time.monotonic()
    result = run_tree(
        [
            sys.executable,
            "-m",
            "rebook.cli",
            "demo",
            "--size",
            "small",
            "--free-ports",
            "--devices",
            "50",
            "--run-dir",
            str(tmp_path / "run"),
            "--json",
            str(out),
        ],
        env,
        timeout_s=180,
    )
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "offered a new itinerary" in result.stdout  # the summary table was printed

    summary = json.loads(out.read_text())
    assert summary["replay"]["errors"] == []
    assert summary["replay"]["events"]["rejected"] == 0
    assert summary["legs"]["disrupted"] > 0
    affected, offered, notes = summary["affected"], summary["offered"], summary["notifications"]
    assert affected["bookings"] > 0 and affected["passengers"] >= affected["bookings"]
    assert 0 < offered["passengers"] <= affected["passengers"]
    assert 0 < offered["passenger_share"] <= 1
    assert offered["delay_min_mean"] is not None and offered["delay_min_p95"] >= 0
    assert notes["delivered"] > 0 and notes["device"] > 0 and notes["backend"] > 0
    assert notes["coverage"] == 1.0  # every affected passenger got their offer
    latency = notes["latency_s"]
    assert latency["count"] > 0
    assert 0 <= latency["p50"] <= latency["p95"] <= latency["p99"] < 60
    assert summary["solver"]["solves"] > 0

    # The last panel shows the summary's numbers, and the online offers are kept for reading.
    last_panel = [line for line in result.stdout.splitlines() if " affected " in line and " offers " in line][-1]
    assert f" affected {affected['passengers']:,} " in last_panel, last_panel
    assert f" notifications {notes['delivered']}/" in last_panel, last_panel
    kept = Path(summary["outputs"]["offers"]).read_text().splitlines()
    assert len(kept) == affected["bookings"]
    assert Path(summary["outputs"]["notifications"]).read_text().count("\n") >= notes["delivered"]

    # The check: online and offline affect the same bookings, costs agree.
    comparison = summary["offline"]["online_vs_offline"]
    assert comparison["overlap_ratio"] >= 0.95, comparison
    assert abs(comparison["cost_diff_ratio"]) <= 0.05, comparison
    assert summary["offline"]["optimal"]["total_cost"] > 0 and summary["offline"]["greedy"]["total_cost"] > 0
    # What each plan owes its passengers, in money, beside its cost (summary and table).
    for plan in ("optimal", "greedy"):
        assert set(summary["offline"][plan]["owed"]) >= {"compensation", "care", "downgrade_refunds", "refunds_no_seat"}
    assert "offline owed: optimal vs greedy" in result.stdout

    # Nothing left running: the four services exited, nothing else from this run remains.
    assert set(summary["processes"]) == {"detector", "locator", "optimizer", "notifier"}
    assert not [name for name, pid in summary["processes"].items() if _alive(pid)]
    assert all(code is not None for code in summary["exit_codes"].values())
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert not leftovers
    assert wall < 120

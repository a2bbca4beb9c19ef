"""The demo's comparison line: ``rebook solve`` (optimal and greedy) on the same folder, each in a
child process (its solver banner stays out of the terminal and Ctrl-C can stop it), against the
online plan the services published."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rebook.optimizer.core.solvers import BASELINE_SOLVER, DEFAULT_SOLVER
from rebook.tooling.demo import summary as stats
from rebook.tooling.sim.scenario import Scenario


@dataclass
class OfflineSolves:
    folder: Path
    run_dir: Path
    timeout_s: float  # each solve's limit
    children: list[subprocess.Popen]  # the demo kills what still runs when it stops

    def compare(self, online_current: dict[str, Any], online: dict[str, Any]) -> dict[str, Any]:
        """Both offline plans, and the online one (``online_current`` by the folder's record
        locators, ``online`` its ``offer_stats``) against the optimal one."""
        outs = {solver: self.run_dir / f"offline-{solver}.jsonl" for solver in (DEFAULT_SOLVER, BASELINE_SOLVER)}
        processes = {solver: self._start(solver, path) for solver, path in outs.items()}
        bookings = {m.record_locator: m for m in Scenario.load(self.folder).bookings}  # read once, meanwhile
        results = {
            solver: self._result(solver, process, outs[solver], bookings) for solver, process in processes.items()
        }
        opt, greedy = results["optimal"], results["greedy"]
        out: dict[str, Any] = {"optimal": opt, "greedy": greedy, "online_vs_offline": None, "greedy_vs_optimal": None}
        if "error" not in opt:
            online = online | {"total_cost": stats.total_cost(online_current, bookings)}
            out["online_vs_offline"] = stats.compare(online_current, online, opt.pop("_current"), opt.pop("_stats"))
        if "error" not in greedy:
            greedy.pop("_current", None)
            greedy.pop("_stats", None)
            if "error" not in opt:
                out["greedy_vs_optimal"] = stats.ratio(greedy["total_cost"], opt["total_cost"])
        return out

    def _start(self, solver: str, out: Path) -> subprocess.Popen:
        """``rebook solve`` (= ``solve_scenario``) in a child process."""
        log = (self.run_dir / f"solve-{solver}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "rebook.cli", "solve", str(self.folder), "--solver", solver, "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self.children.append(process)
        return process

    def _result(self, solver: str, process: subprocess.Popen, out: Path, bookings: dict[str, Any]) -> dict[str, Any]:
        """One child's summary line and the statistics of the offers it wrote."""
        stdout, _ = process.communicate(timeout=self.timeout_s)
        if process.returncode != 0:
            return {
                "error": f"rebook solve --solver {solver} exited {process.returncode} "
                f"(see {self.run_dir / f'solve-{solver}.log'})"
            }
        line = next((ln for ln in reversed(stdout.decode().splitlines()) if ln.startswith("{")), "{}")
        current = stats.latest_offers(stats.load_offline_offers(out))
        offered = stats.offer_stats(current) | {"total_cost": stats.total_cost(current, bookings)}
        return json.loads(line) | {
            "offered_passenger_share": offered["offered_passenger_share"],
            "delay_min_mean": stats.rounded(offered["delay_min_mean"], 1),
            "delay_min_p95": offered["delay_min_p95"],
            "same_day_share": offered["same_day_share"],
            "within_24h_share": offered["within_24h_share"],
            "_current": current,
            "_stats": offered,
        }

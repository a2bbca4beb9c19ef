"""``rebook bench scale``: a major carrier's scenario checked and solved offline (issue 18).

Generates (or reuses) a scenario folder of ``--size airline`` (≥ 20k legs, ≥ 1.5 M bookings),
then ``--runs`` times runs ``rebook scenario check`` and ``rebook solve`` on it, each as its own
process so that its peak memory (max RSS) is its own.  Prints per run and as medians: load
(read and convert to domain objects), check and plan times, peak RSS, the plan's method and
gap, and a SHA-256 of the offers file: the same plan on every run prints one hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rebook.tooling.args import non_negative_int, positive_float, positive_int
from rebook.tooling.sim.generator import SIZES

# rebook solve's default limit (10 s) is for a single disruption: at airline size it would cut
# every plan short, and a plan cut by the clock depends on the machine's load.  300 s was cut
# once (LP 194 s on a loaded machine), hence 900.
SAFETY_NET_S = 900.0


def _run(command: list[str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS in MB) of one child process; ``wait4`` gives that
    child's own peak (``ru_maxrss``, KiB on Linux)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        if child.returncode not in (0, 1):  # check exits 1 when it found problems: still measured
            raise RuntimeError(f"{' '.join(command[3:5])} failed: {err.read().decode()[-2000:]}")
        return out.read().decode(), wall, round(usage.ru_maxrss / 1024, 1)


def _last_json(out: str) -> dict:
    """The summary a command prints last (native solver libraries may print banners before it)."""
    return json.loads(out.strip().splitlines()[-1])


def _rebook(*words: str) -> list[str]:
    return [sys.executable, "-m", "rebook.cli", *words]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def one_run(folder: Path, work: Path, solver: str, time_limit: float | None, index: int) -> dict:
    check_out, check_wall, check_rss = _run(_rebook("scenario", "check", str(folder)))
    check = _last_json(check_out)
    offers = work / f"offers-{index}.jsonl"
    limit = ["--time-limit", str(time_limit)] if time_limit else []
    solve_out, solve_wall, solve_rss = _run(
        _rebook("solve", str(folder), "--out", str(offers), "--solver", solver, *limit)
    )
    summary = _last_json(solve_out)
    return {
        "check_s": round(check_wall, 3),
        "check_ok": check.get("ok"),
        "check_problems": check.get("problem_count"),
        "check_peak_rss_mb": check_rss,
        "load_s": summary.get("load_s"),
        "plan_s": round(summary["wall_s"] - summary.get("load_s", 0.0), 3),
        "solve_process_s": round(solve_wall, 3),
        "solve_peak_rss_mb": solve_rss,
        "method": summary.get("method"),
        "gap": summary.get("gap"),
        "deadline_hit": summary.get("deadline_hit"),
        "limits_hit": summary.get("limits_hit"),
        "phases_s": summary.get("phases_s"),
        "passengers_affected": summary.get("passengers_affected"),
        "passengers_with_option": summary.get("passengers_with_option"),
        "total_cost": summary.get("total_cost"),
        "offers_sha256": _digest(offers),
    }


def run_benchmark(folder: Path | None, size: str, seed: int, runs: int, solver: str, time_limit: float | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="rebook-scale-") as tmp:
        work = Path(tmp)
        generated: dict = {}
        if folder is None or not (folder / "flights.jsonl").is_file():
            folder = folder or work / "scenario"
            out, wall, rss = _run(
                _rebook("scenario", "generate", "--out", str(folder), "--size", size, "--seed", str(seed))
            )
            manifest = _last_json(out)
            generated = {"generate_s": round(wall, 3), "generate_peak_rss_mb": rss, "counts": manifest["counts"]}
        results = [one_run(folder, work, solver, time_limit, i) for i in range(runs)]
    medians = {
        key: round(statistics.median(r[key] for r in results), 3)
        for key in ("load_s", "check_s", "plan_s", "check_peak_rss_mb", "solve_peak_rss_mb")
        if all(isinstance(r[key], int | float) for r in results)
    }
    hashes = sorted({r["offers_sha256"] for r in results})
    return {
        "scenario": str(folder),
        **generated,
        "solver": solver,
        "time_limit_s": time_limit,
        "runs": results,
        "median": medians,
        "load_plus_check_s": round(medians.get("load_s", 0) + medians.get("check_s", 0), 3),
        "peak_rss_mb": max(max(r["check_peak_rss_mb"], r["solve_peak_rss_mb"]) for r in results),
        "identical_plans": len(hashes) == 1,
        "offers_sha256": hashes,
        "cpus": os.cpu_count(),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", type=Path, default=None, help="scenario folder to use (generated if missing)")
    parser.add_argument("--size", choices=tuple(SIZES), default="airline", help="size to generate")
    parser.add_argument("--seed", type=non_negative_int, default=1, help="random seed of the generated airline")
    parser.add_argument("--runs", type=positive_int, default=3, help="check + solve runs (medians are printed)")
    parser.add_argument("--solver", choices=("optimal", "greedy"), default="optimal", help="model or greedy baseline")
    parser.add_argument(
        "--time-limit",
        type=positive_float,
        default=SAFETY_NET_S,
        help=f"passed to rebook solve (default: {SAFETY_NET_S:.0f}): a safety net far above the plan (4-6 min "
        "on a loaded 2-core machine), so that the work limits, not the clock, end it and runs compare",
    )


def run(args: argparse.Namespace) -> int:
    if args.runs < 1:
        print("rebook bench scale: --runs must be 1 or more", file=sys.stderr)
        return 2
    try:
        result = run_benchmark(args.scenario, args.size, args.seed, args.runs, args.solver, args.time_limit)
    except RuntimeError as exc:
        print(f"rebook bench scale: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=None if getattr(args, "json", False) else 2))
    return 0

"""``rebook bench NAME --json``: benchmarks that print their measurements as JSON.

Each benchmark module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS: dict[str, tuple[str, str]] = {
    "locator": ("rebook.tooling.bench.locator", "locator: pings/s and ping-to-proximity-on-Kafka latency"),
    "optimizer": ("rebook.tooling.bench.optimizer", "optimizer on a hub meltdown: optimal vs greedy, gap, wall time"),
    "e2e": ("rebook.tooling.bench.e2e", "all four services over Kafka: a cancelled flight to every subscribed device"),
    "detector": (
        "rebook.tooling.bench.detector",
        "detector over gRPC and Kafka: events/s and event-to-disruption latency",
    ),
    "scale": ("rebook.tooling.bench.scale", "airline size offline: load, check and plan times, peak RSS, same plan"),
    "cancellations": (
        "rebook.tooling.bench.cancellations",
        "the optimizer's engine with an airline's views: 100 flights cancelled at once, time to offers, RSS",
    ),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    words = sys.argv[sys.argv.index("bench") + 1 :] if "bench" in sys.argv else []
    chosen = next((word for word in words if not word.startswith("-")), None)
    for name, (module_name, help_text) in BENCHMARKS.items():
        bench = sub.add_parser(name, help=help_text, description=help_text)
        bench.set_defaults(_bench_module=module_name)
        bench.add_argument("--json", action="store_true", help="print only the JSON result")
        if chosen in (None, name):  # only the chosen benchmark's module is imported
            importlib.import_module(module_name).add_arguments(bench)


def run(args: argparse.Namespace) -> int:
    return importlib.import_module(args._bench_module).run(args)

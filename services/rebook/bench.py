"""``rebook bench NAME --json``: benchmarks that print their measurements as JSON.

Each benchmark module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS: dict[str, tuple[str, str]] = {}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        bench = sub.add_parser(name, help=help_text, description=help_text)
        bench.set_defaults(_bench_module=module_name)
        bench.add_argument("--json", action="store_true", help="print only the JSON result")
        importlib.import_module(module_name).add_arguments(bench)


def run(args: argparse.Namespace) -> int:
    return importlib.import_module(args._bench_module).run(args)

"""The ``rebook`` command: every service and tool behind one entry point."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# name → (module with ``add_arguments(parser)`` and ``run(args) -> int``, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "detector": ("rebook.detector.main", "run the disruption detector (FlightStatusService)"),
    "locator": ("rebook.locator.main", "run the passenger locator (PassengerLocationService)"),
    "optimizer": ("rebook.optimizer.main", "run the rebooking optimizer (RebookingService)"),
    "notifier": ("rebook.notifier.main", "run the notifier (NotificationService)"),
    "kafka": ("rebook.runtime.kafka_cli", "start/stop the local Apache Kafka broker, create topics"),
    "bench": ("rebook.bench", "run a benchmark and print JSON"),
    "solve": ("rebook.optimizer.solve_cli", "solve a scenario folder offline (no Kafka) and write offers"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rebook", description="Flight-disruption auto-rebooking.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module_name)
        _module(module_name).add_arguments(command)
    return parser


def _module(name: str):
    return importlib.import_module(name)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = _module(args._module).run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

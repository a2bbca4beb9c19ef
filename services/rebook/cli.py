"""The ``rebook`` command: every service and tool behind one entry point."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

# name → (module with ``add_arguments(parser)`` and ``run(args) -> int``, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "detector": ("rebook.detector.main", "run the disruption detector (FlightStatusService)"),
    "locator": ("rebook.locator.main", "run the passenger locator (PassengerLocationService)"),
    "optimizer": ("rebook.optimizer.main", "run the rebooking optimizer (RebookingService)"),
    "notifier": ("rebook.notifier.main", "run the notifier (NotificationService)"),
    "passenger": ("rebook.notifier.passenger_cli", "follow a booking's offers and answer them (terminal client)"),
    "token": ("rebook.runtime.token_cli", "mint a passenger or airline-client token from REBOOK_AUTH_SECRET"),
    "kafka": ("rebook.runtime.kafka_cli", "start/stop the local Apache Kafka broker, create topics"),
    "bench": ("rebook.bench", "run a benchmark and print JSON"),
    "solve": ("rebook.optimizer.solve_cli", "solve a scenario folder offline (no Kafka) and write offers"),
    "scenario": ("rebook.sim.scenario_cli", "generate a synthetic airline storm day, or check a scenario folder"),
    "replay": ("rebook.sim.replay", "stream a scenario through the services' gRPC APIs and measure notifications"),
    "demo": ("rebook.demo", "the storm day end to end: Kafka, four services, replay, live progress, summary"),
}


class _ShowDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default where there is one (not None, not a flag's False, not already in the help)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, argparse.SUPPRESS) or "%(default)" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class HelpfulParser(argparse.ArgumentParser):
    """Every command's help shows the defaults; nested commands inherit this class."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _ShowDefaults)
        super().__init__(*args, **kwargs)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Imports only the chosen command's module, so one command's dependencies (or a
    broken optional tool) never slow down or break another — a service start stays light."""
    parser = HelpfulParser(prog="rebook", description="Flight-disruption auto-rebooking.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module_name)
        if name == chosen:
            _module(module_name).add_arguments(command)
    return parser


def _module(name: str):
    return importlib.import_module(name)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(arguments).parse_args(arguments)
    run: Callable[[argparse.Namespace], int] = _module(args._module).run
    try:
        return run(args)
    except user_errors() as exc:
        # A user's mistake (bad file, bad value, missing broker) is one line, not a traceback;
        # REBOOK_DEBUG=1 shows the traceback for a report.
        if os.environ.get("REBOOK_DEBUG"):
            raise
        print(f"rebook {args.command}: {exc}", file=sys.stderr)
        return 2


def user_errors() -> tuple[type[BaseException], ...]:
    """What a command raises for bad input or a missing dependency rather than for a bug."""
    from rebook.domain.errors import DomainError
    from rebook.runtime.config import ConfigError
    from rebook.runtime.local_kafka import KafkaSetupError

    return (DomainError, ConfigError, KafkaSetupError, OSError)


if __name__ == "__main__":
    sys.exit(main())

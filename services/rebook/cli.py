"""The ``rebook`` command: every service and tool behind one entry point.

Two tables: the product (what the production image runs) and the development tools (whose
modules live in ``rebook.tooling``, or are still to move there, and which the image may leave
out).  A tool asked for where its modules are missing says so in one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

# name → (module with ``add_arguments(parser)`` and ``run(args) -> int``, help)
PRODUCT_COMMANDS: dict[str, tuple[str, str]] = {
    "detector": ("rebook.detector.main", "run the disruption detector (FlightStatusService)"),
    "locator": ("rebook.locator.main", "run the passenger locator (PassengerLocationService)"),
    "optimizer": ("rebook.optimizer.main", "run the rebooking optimizer (RebookingService)"),
    "notifier": ("rebook.notifier.main", "run the notifier (NotificationService)"),
    "token": ("rebook.runtime.token_cli", "mint a passenger or airline-client token from REBOOK_AUTH_SECRET"),
    "topics": ("rebook.runtime.topics_cli", "create the declared Kafka topics missing on REBOOK_KAFKA_BOOTSTRAP"),
}
TOOLING_COMMANDS: dict[str, tuple[str, str]] = {
    "passenger": ("rebook.tooling.passenger_cli", "follow a booking's offers and answer them (terminal client)"),
    "kafka": ("rebook.tooling.kafka_cli", "start/stop the local Apache Kafka broker for development and tests"),
    "bench": ("rebook.tooling.bench", "run a benchmark and print JSON"),
    "solve": ("rebook.tooling.solve_cli", "solve a scenario folder offline (no Kafka) and write offers"),
    "scenario": (
        "rebook.tooling.sim.scenario_cli",
        "generate a synthetic airline storm day, or check a scenario folder",
    ),
    "replay": (
        "rebook.tooling.sim.replay",
        "stream a scenario through the services' gRPC APIs and measure notifications",
    ),
    "demo": ("rebook.tooling.demo", "the storm day end to end: Kafka, four services, replay, live progress, summary"),
}
COMMANDS: dict[str, tuple[str, str]] = {**PRODUCT_COMMANDS, **TOOLING_COMMANDS}


class ToolingMissing(Exception):
    """A development tool was asked for in an installation without the tooling."""

    def __init__(self, command: str, missing: str | None) -> None:
        text = f"rebook {command}: the development tools are not installed in this image"
        text += " (pip install 'rebook[tooling]' from a checkout)"
        if missing and not _is_tooling_module(missing):
            text += f"; missing module: {missing}"
        super().__init__(text)


def _is_tooling_module(name: str) -> bool:
    return name == "rebook.tooling" or name.startswith("rebook.tooling.")


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
    parser = HelpfulParser(
        prog="rebook",
        description="Flight-disruption auto-rebooking.",
        epilog=f"services and deployment: {', '.join(PRODUCT_COMMANDS)}; development tools (rebook[tooling], "
        f"not needed in production): {', '.join(TOOLING_COMMANDS)}",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            command_module(name).add_arguments(command)
    return parser


def command_module(name: str) -> ModuleType:
    """The command's module; a tool whose modules (or their extra dependencies) are not
    installed raises ``ToolingMissing``, a product command's missing module stays a bug."""
    module_name = COMMANDS[name][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if name in TOOLING_COMMANDS and (_is_tooling_module(missing) or not missing.startswith("rebook")):
            raise ToolingMissing(name, missing) from None
        raise


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(arguments).parse_args(arguments)
        run: Callable[[argparse.Namespace], int] = command_module(args.command).run
    except ToolingMissing as exc:
        print(exc, file=sys.stderr)
        return 2
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
    from rebook.runtime.kafka_admin import KafkaSetupError

    return (DomainError, ConfigError, KafkaSetupError, OSError)


if __name__ == "__main__":
    sys.exit(main())

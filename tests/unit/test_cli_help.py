"""Help that teaches: every command has a description and every option a help text."""

import argparse
import re
from pathlib import Path

import pytest

from rebook.cli import COMMANDS, build_parser


def _undocumented(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> list[str]:
    missing = [] if parser.description else [" ".join(path) + ": no description"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += _undocumented(sub, (*path, name))
        elif not isinstance(action, argparse._HelpAction) and not action.help:
            missing.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}: no help")
    return missing


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_and_option_is_described(command: str) -> None:
    parser = build_parser([command])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    assert _undocumented(sub, ("rebook", command)) == []


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser(["solve"]).parse_args(["solve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: optimal)" in text and "(default: None)" not in text


def test_the_readmes_command_table_is_the_help() -> None:
    """README's command list names every command, only real ones, with the --help text."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| `rebook ([a-z-]+)` \| (.+?) \|$", readme, flags=re.MULTILINE)
    assert rows == [(name, help_text) for name, (_, help_text) in COMMANDS.items()]

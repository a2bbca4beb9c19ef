"""Help that teaches: every command has a description and every option a help text."""

import argparse
import re

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


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= {(*path, name)} | _commands(sub, (*path, name))
    return found


def test_the_readme_names_every_command_and_only_real_ones() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    real = _commands(build_parser(sorted(COMMANDS)))
    named = set()
    for line in readme.splitlines():
        for part in line.split("rebook ")[1:]:
            words = [w.strip("`|,.;:()") for w in part.split()[:2]]
            if words and (words[0],) in {c[:1] for c in real}:
                named.add((words[0],))
                has_subcommands = any(c[:1] == (words[0],) and len(c) == 2 for c in real)
                if len(words) > 1 and has_subcommands and re.fullmatch(r"[a-z][a-z0-9-]*", words[1]):
                    named.add((words[0], words[1]))
    # Only commands one would type: every top-level command, and every subcommand.
    assert sorted(real - named) == []
    assert sorted(named - real) == []

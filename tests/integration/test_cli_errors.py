"""A user's mistake gets one clear line and a non-zero exit from every command, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.net import free_port


def _scenario_with_a_broken_line(folder: Path) -> Path:
    folder.mkdir()
    (folder / "flights.jsonl").write_text('{"legId": \n')
    return folder


CASES = [
    # (name, argv, extra environment, words the message must contain)
    ("solve: no such folder", ["solve", "{tmp}/missing"], {}, "not a scenario folder"),
    ("solve: malformed JSON line", ["solve", "{broken}"], {}, "flights.jsonl:1"),
    ("scenario check: no such folder", ["scenario", "check", "{tmp}/missing"], {}, "not a scenario folder"),
    ("replay: malformed JSON line", ["replay", "{broken}"], {}, "flights.jsonl:1"),
    ("service: bad duration", ["optimizer"], {"REBOOK_OPTIMIZER_OFFER_TTL": "1h30x"}, "is not a duration"),
    ("kafka: bad port", ["kafka", "up"], {"REBOOK_KAFKA_PORT": "x", "REBOOK_KAFKA_BOOTSTRAP": ""}, "REBOOK_KAFKA_PORT"),
    (
        "topics: no Kafka",
        ["topics"],
        {"REBOOK_KAFKA_BOOTSTRAP": "127.0.0.1:{port}", "REBOOK_KAFKA_WAIT": "2s"},
        "not reachable after 2s",
    ),
    ("topics: no replicas", ["topics", "--replication", "0"], {}, "0 is out of range"),
    (
        "passenger: nothing listening",
        [
            "passenger",
            "--booking",
            "ABC123",
            "--token",
            "t",
            "--notifier",
            "127.0.0.1:{port}",
            "--optimizer",
            "127.0.0.1:{port}",
            "--wait",
            "3",
        ],
        {},
        "UNAVAILABLE",
    ),
    ("unknown option", ["solve", "{broken}", "--no-such-option"], {}, "unrecognized arguments"),
    ("bench: negative size", ["bench", "optimizer", "--passengers", "-5"], {}, "-5 is out of range"),
    ("bench: not a number", ["bench", "locator", "--duration", "soon"], {}, "'soon' is not a number"),
    ("replay: devices out of range", ["replay", "{broken}", "--devices", "-3"], {}, "-3 is out of range"),
    (
        "service: no Kafka",
        ["detector"],
        {"REBOOK_KAFKA_BOOTSTRAP": "127.0.0.1:{port}", "REBOOK_KAFKA_WAIT": "2s"},
        "did not answer within 2s",
    ),
]


@pytest.mark.parametrize(("name", "argv", "env", "words"), CASES, ids=[c[0] for c in CASES])
def test_broken_input_gives_one_clear_line(tmp_path: Path, name: str, argv: list[str], env: dict, words: str) -> None:
    broken = _scenario_with_a_broken_line(tmp_path / "broken")
    values = {"tmp": str(tmp_path), "broken": str(broken), "port": str(free_port())}
    done = subprocess.run(
        [sys.executable, "-m", "rebook.cli", *(arg.format(**values) for arg in argv)],
        env={**os.environ, "REBOOK_RUN_DIR": str(tmp_path / "run"), **{k: v.format(**values) for k, v in env.items()}},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert words in output, output
    assert "Traceback" not in output, output

"""Argument types for the command line: a number out of range is the user's mistake, and
argparse turns the ``ArgumentTypeError`` into one clear line and exit code 2."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import timedelta

from rebook.runtime.config import parse_duration


def _bounded(kind: type, lowest: float, what: str, allow: tuple[float, ...] = ()) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if value < lowest and value not in allow:
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {what}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


positive_int = _bounded(int, 1, "at least 1")
non_negative_int = _bounded(int, 0, "0 or more")
positive_float = _bounded(float, 1e-9, "more than 0")
non_negative_float = _bounded(float, 0.0, "0 or more")
devices = _bounded(int, 0, "0 or more, or -1 for all", allow=(-1,))


def speed(text: str) -> float:
    """Times real time; ``max`` (or 0, inf): as fast as possible (0.0)."""
    if text.lower() in ("max", "0", "inf"):
        return 0.0
    value = float(text)
    if value < 0 or math.isnan(value):
        raise argparse.ArgumentTypeError("speed must be positive, 0 or max")
    return value


def share(text: str) -> float:
    """A fraction from 0 to 1."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def duration(text: str) -> timedelta:
    """A span as ``REBOOK_*`` settings write it (``10m``, ``2h``, ``90s``)."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None

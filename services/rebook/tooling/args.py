"""Argument types for the command line: a number out of range is the user's mistake, and
argparse turns the ``ArgumentTypeError`` into one clear line and exit code 2."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


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

#!/usr/bin/env python3
"""Lists what breaks issue 16's size limits: modules over 400 lines and functions over 60.

    .venv/bin/python scripts/sizes.py [--exclude services/rebook/optimizer] [ROOT ...]

ROOT defaults to ``services/rebook``.  Generated protobuf code (``*_pb2.py``, ``*_pb2_grpc.py``)
is not counted.  A function's length runs from its ``def`` line to its last line (decorators
left out; a nested function counts in its parent too).  Exit status 1 when anything is listed.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
GENERATED = ("_pb2.py", "_pb2_grpc.py")


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> Iterator[tuple[int, str, int]]:
    """(line, qualified name, length) of every function in ``source`` longer than ``limit``."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[int, str, int]]:
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}."
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > limit:
                    yield child.lineno, name[:-1], length
            yield from walk(child, name)

    yield from walk(ast.parse(source), "")


def findings(roots: list[Path], exclude: list[Path]) -> list[str]:
    out = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if path.name.endswith(GENERATED) or any(path.is_relative_to(e) for e in exclude):
                continue
            source = path.read_text(encoding="utf-8")
            lines = len(source.splitlines())
            if lines > MAX_MODULE_LINES:
                out.append(f"module   {path}: {lines} lines")
            out += [f"function {path}:{line} {name}: {n} lines" for line, name, n in long_functions(source)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path, default=[Path("services/rebook")])
    parser.add_argument("--exclude", action="append", type=Path, default=[], help="a folder not to count")
    args = parser.parse_args(argv)
    found = findings(args.roots, args.exclude)
    for line in found:
        print(line)
    print(f"{len(found)} over the limits ({MAX_MODULE_LINES} lines a module, {MAX_FUNCTION_LINES} a function)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

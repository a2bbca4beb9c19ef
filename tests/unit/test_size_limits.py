"""Issue 16's size limits (400 lines a module, 60 a function) hold in ``services/rebook``, as
``scripts/sizes.py`` counts them; and that check finds what is over them and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "sizes.py"
spec = importlib.util.spec_from_file_location("sizes", SCRIPT)
assert spec is not None and spec.loader is not None
sizes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sizes)


def _function(name: str, lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x = {i}\n" for i in range(lines - 1))
    return f"{indent}def {name}():\n{body}"


def test_functions_over_the_limit_are_named_with_their_class_and_parent() -> None:
    source = (
        _function("short", 60)
        + _function("long", 61)
        + "class Loop:\n"
        + _function("run", 62, "    ")
        + "def outer():\n"
        + _function("inner", 61, "    ")
    )
    found = [(name, length) for _, name, length in sizes.long_functions(source)]
    assert found == [("long", 61), ("Loop.run", 62), ("outer", 62), ("outer.inner", 61)]


def test_modules_over_the_limit_count_and_generated_code_does_not(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 401)
    (tmp_path / "fits.py").write_text("x = 1\n" * 400)
    (tmp_path / "thing_pb2.py").write_text("x = 1\n" * 5000)
    (tmp_path / "rewritten").mkdir()
    (tmp_path / "rewritten" / "big.py").write_text("x = 1\n" * 500)
    found = sizes.findings([tmp_path], exclude=[tmp_path / "rewritten"])
    assert found == [f"module   {tmp_path / 'big.py'}: 401 lines"]
    assert sizes.main([str(tmp_path), "--exclude", str(tmp_path)]) == 0  # nothing left to count
    assert sizes.main([str(tmp_path)]) == 1


def test_the_package_keeps_the_limits() -> None:
    assert sizes.findings([ROOT / "services" / "rebook"], exclude=[]) == []

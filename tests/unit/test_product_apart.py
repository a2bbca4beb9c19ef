"""The product never needs the development tooling: no product module imports it, and a tree
without ``rebook/tooling`` (what the production image holds) still imports every product module
and answers a tooling command with one line.  And the services stand apart from each other: a
service imports only the shared libraries and its own package, and the libraries import no
service."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rebook.cli import PRODUCT_COMMANDS, TOOLING_COMMANDS

PACKAGE = Path(__file__).parents[2] / "services" / "rebook"
TOOLING = "rebook.tooling"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


SERVICES = ("rebook.detector", "rebook.locator", "rebook.optimizer", "rebook.notifier")
# What every service may build on; none of them imports a service.
LIBRARIES = ("rebook.domain", "rebook.flightops", "rebook.runtime", "rebook.v1", "rebook.client")


def _imports(source: str, module: str, is_package: bool) -> list[str]:
    """Every module name that ``source`` (the module ``module``) imports, relative imports
    resolved; ``from a import b`` names both ``a`` and ``a.b`` (``b`` may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return sorted(set(found))


def _tooling_imports(source: str, module: str, is_package: bool) -> list[str]:
    """Every module that ``source`` (the module ``module``) imports from the tooling."""
    return [name for name in _imports(source, module, is_package) if _is_under(name, (TOOLING,))]


def _foreign_imports(source: str, module: str, is_package: bool, allowed: tuple[str, ...]) -> list[str]:
    """The ``rebook`` modules ``source`` imports from outside ``allowed`` (``from rebook import
    x`` counts as ``rebook.x``; the bare package ``rebook`` holds nothing to depend on)."""
    names = [name for name in _imports(source, module, is_package) if name.startswith("rebook.")]
    return [name for name in names if not _is_under(name, allowed)]


def _modules_under(prefix: str) -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if _is_under(_module_name(path), (prefix,))]


def _foreign(paths: list[Path], allowed: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        _module_name(path): found
        for path in paths
        if (found := _foreign_imports(path.read_text(), _module_name(path), path.name == "__init__.py", allowed))
    }


def _product_modules() -> list[Path]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if not _is_under(name, (TOOLING,)):
            modules.append(path)
    return modules


def test_the_import_check_sees_absolute_and_relative_tooling_imports() -> None:
    assert _tooling_imports("from rebook.tooling.args import positive_int", "rebook.detector.main", False)
    assert _tooling_imports("import rebook.tooling.launch", "rebook.runtime.kafka", False)
    assert _tooling_imports("from ..tooling import net", "rebook.detector.main", False) == [
        "rebook.tooling",
        "rebook.tooling.net",
    ]
    assert _tooling_imports("from .. import tooling", "rebook.runtime", True) == ["rebook.tooling"]
    assert _tooling_imports("from rebook.tooling.sim.scenario import Scenario", "rebook.optimizer.app", False)
    assert _tooling_imports("from rebook.runtime.kafka_admin import ensure_topics", "rebook.cli", False) == []


def test_no_product_module_imports_the_tooling() -> None:
    modules = _product_modules()
    assert len(modules) > 50 and PACKAGE / "cli.py" in modules  # the walk found the product
    offenders = {
        _module_name(path): found
        for path in modules
        if (found := _tooling_imports(path.read_text(), _module_name(path), path.name == "__init__.py"))
    }
    assert offenders == {}


def test_the_import_check_sees_a_service_importing_another() -> None:
    allowed = (*LIBRARIES, "rebook.optimizer")
    assert _foreign_imports("from rebook.detector.core import replay", "rebook.optimizer.engine", False, allowed)
    assert _foreign_imports("from rebook import detector", "rebook.optimizer.engine", False, allowed) == [
        "rebook.detector"
    ]
    assert _foreign_imports("from ...detector import writer", "rebook.optimizer.core.x", False, allowed) == [
        "rebook.detector",
        "rebook.detector.writer",
    ]
    assert _foreign_imports("import rebook.notifier.channel", "rebook.optimizer.app", False, allowed)
    assert _foreign_imports("from rebook.flightops import replay", "rebook.optimizer.engine", False, allowed) == []
    assert _foreign_imports("from .core import costs", "rebook.optimizer", True, allowed) == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_only_the_shared_libraries_and_its_own_package(service: str) -> None:
    modules = _modules_under(service)
    assert len(modules) > 3  # the walk found the service
    assert _foreign(modules, (*LIBRARIES, service)) == {}


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_shared_library_imports_no_service(library: str) -> None:
    modules = _modules_under(library)
    assert modules  # the walk found the library
    beneath = (other for other in LIBRARIES if other != "rebook.client")  # the client is for callers
    assert _foreign(modules, (*beneath, library)) == {}


def test_the_flight_state_core_is_pure() -> None:
    """Everything in ``rebook.flightops`` but its protobuf translation and its settings reader
    takes plain data: no grpc, kafka, protobuf or runtime (``Simulate`` and ``rebook solve``
    run it offline)."""
    edges = {"rebook.flightops.convert", "rebook.flightops.config"}
    impure = ("grpc", "kafka", "google.protobuf", "rebook.v1", "rebook.runtime")
    offenders = {}
    for path in _modules_under("rebook.flightops"):
        name = _module_name(path)
        found = [m for m in _imports(path.read_text(), name, path.name == "__init__.py") if _is_under(m, impure)]
        if found and name not in edges:
            offenders[name] = found
    assert offenders == {}


def test_every_tooling_command_is_tooling_and_every_product_command_is_not() -> None:
    for name, (module, _) in TOOLING_COMMANDS.items():
        assert _is_under(module, (TOOLING,)), name
    for name, (module, _) in PRODUCT_COMMANDS.items():
        assert not _is_under(module, (TOOLING,)), name


@pytest.fixture(scope="module")
def without_tooling(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package without ``rebook/tooling``, as the production image has it."""
    root = tmp_path_factory.mktemp("image")
    shutil.copytree(PACKAGE, root / "rebook", ignore=shutil.ignore_patterns("__pycache__", "tooling"))
    return root


def _python(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # wins over the editable install's path entry
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_a_tree_without_tooling_imports_every_product_module(without_tooling: Path) -> None:
    names = [_module_name(path) for path in _product_modules()]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "import rebook\n"
        "print(rebook.__file__)\n"
    )
    done = _python(without_tooling, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(without_tooling))  # the copy ran, not the checkout


def test_a_tree_without_tooling_runs_product_commands_and_names_the_missing_tools(without_tooling: Path) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from rebook.cli import main\n"
        "for command in ('detector', 'topics'):\n"
        "    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "        main([command, '--help'])\n"
        "    assert f'usage: rebook {command}' in out.getvalue(), out.getvalue()\n"
        "sys.exit(main(['demo', '--size', 'small']))\n"
    )
    done = _python(without_tooling, code)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "rebook demo: the development tools are not installed in this image "
        "(pip install 'rebook[tooling]' from a checkout)"
    )

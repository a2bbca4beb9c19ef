"""Fixtures of the deployment tests: the Prometheus binaries (fail under CI=true, never skip)."""

from __future__ import annotations

import pytest

from tests.ops.support import binary


@pytest.fixture(scope="session")
def promtool() -> str:
    return binary("promtool")


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    return binary("prometheus")

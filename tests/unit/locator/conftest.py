"""Shared fixture of the locator core tests: one airport index per session."""

from __future__ import annotations

import pytest

from rebook.domain.airport_index import AirportIndex, default_index


@pytest.fixture(scope="session")
def index() -> AirportIndex:
    return default_index()

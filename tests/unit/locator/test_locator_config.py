from __future__ import annotations

from datetime import timedelta

import pytest

from rebook.locator.app import LocatorConfig, load_config
from rebook.runtime.config import ConfigError


def test_defaults_are_the_declared_topics_and_core_settings() -> None:
    assert load_config({}) == LocatorConfig()
    assert load_config({}).topics.proximity.name == "rebook.proximity.v1"


def test_environment_overrides_settings_and_topics() -> None:
    config = load_config(
        {
            "REBOOK_LOCATOR_STALE_AFTER": "5m",
            "REBOOK_LOCATOR_RETENTION": "6h",
            "REBOOK_LOCATOR_DEBOUNCE_STEP": "90s",
            "REBOOK_LOCATOR_MAINTENANCE_INTERVAL": "250ms",
            "REBOOK_LOCATOR_PROXIMITY_TOPIC": "tenant.proximity",
        }
    )
    assert config.settings.stale_after == timedelta(minutes=5)
    assert config.settings.retention == timedelta(hours=6)
    assert config.settings.debounce_step == timedelta(seconds=90)
    assert config.maintenance_interval == timedelta(milliseconds=250)
    assert config.topics.proximity.name == "tenant.proximity" and config.topics.proximity.compacted


@pytest.mark.parametrize(
    ("name", "value"),
    [("STALE_AFTER", "soon"), ("RETENTION", "-5"), ("MAINTENANCE_INTERVAL", "0")],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match="REBOOK_LOCATOR_"):
        load_config({f"REBOOK_LOCATOR_{name}": value})

from __future__ import annotations

from datetime import timedelta

import pytest

from rebook.domain.errors import ValidationError
from rebook.notifier.core.channels import Route, url_problem, validate_registration
from rebook.notifier.core.settings import DEV_WEBHOOK_SECRET
from rebook.notifier.main import load_settings
from rebook.runtime.config import ConfigError


def test_development_mode_starts_with_the_published_webhook_secret() -> None:
    settings = load_settings({"REBOOK_ENV": "development"})
    assert settings.webhook_secret == DEV_WEBHOOK_SECRET.encode()
    assert settings.retention == timedelta(hours=24)


@pytest.mark.parametrize("value", ["", DEV_WEBHOOK_SECRET, "short-but-not-empty"])
def test_outside_development_the_webhook_secret_must_be_real(value: str) -> None:
    with pytest.raises(ConfigError, match="REBOOK_NOTIFIER_WEBHOOK_SECRET"):
        load_settings({"REBOOK_NOTIFIER_WEBHOOK_SECRET": value} if value else {})


def test_settings_from_environment() -> None:
    settings = load_settings(
        {
            "REBOOK_NOTIFIER_WEBHOOK_SECRET": "w" * 32,
            "REBOOK_NOTIFIER_RETENTION": "2h",
            "REBOOK_NOTIFIER_WEBHOOK_MAX_ATTEMPTS": "3",
            "REBOOK_NOTIFIER_WEBHOOK_BACKOFF": "100ms",
            "REBOOK_NOTIFIER_WEBHOOK_BACKOFF_MAX": "1s",
        }
    )
    assert settings.webhook_secret == b"w" * 32
    assert settings.retention == timedelta(hours=2)
    assert (settings.retry.max_attempts, settings.retry.base_s, settings.retry.cap_s) == (3, 0.1, 1.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REBOOK_NOTIFIER_RETENTION", "soon"),
        ("REBOOK_NOTIFIER_RETENTION", "0s"),
        ("REBOOK_NOTIFIER_WEBHOOK_BACKOFF", "10m"),
        ("REBOOK_NOTIFIER_WEBHOOK_WORKERS", "0"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match="REBOOK_NOTIFIER_"):
        load_settings({"REBOOK_ENV": "development", name: value})


def test_channel_validation() -> None:
    push = {Route.WEBHOOK.value: url_problem}
    assert validate_registration(Route.STREAM, "", push) == Route.STREAM
    assert validate_registration(Route.WEBHOOK, "https://app.example/hook", push) == Route.WEBHOOK
    cases = [
        (None, "", "kind"),
        (Route.WEBHOOK, "", "webhook_url"),
        (Route.WEBHOOK, "ftp://x/y", "webhook_url"),
        (Route.WEBHOOK, "https:///nohost", "webhook_url"),
        (Route.STREAM, "https://app.example/hook", "webhook_url"),
    ]
    for route, url, field in cases:
        with pytest.raises(ValidationError) as error:
            validate_registration(route, url, push)
        assert [violation.field for violation in error.value.violations] == [field]

from __future__ import annotations

from datetime import timedelta

import pytest

from rebook.domain.errors import ValidationError
from rebook.notifier.core.auth import ClientCredential
from rebook.notifier.core.channels import Route, validate_registration
from rebook.notifier.main import load_settings
from rebook.runtime.config import ConfigError


def test_defaults_start_with_dev_secrets_flagged() -> None:
    settings = load_settings({})
    assert settings.dev_secrets == ["token", "webhook"]
    assert settings.clients == () and settings.retention == timedelta(hours=24)


def test_settings_from_environment() -> None:
    settings = load_settings(
        {
            "REBOOK_NOTIFIER_TOKEN_SECRET": "t",
            "REBOOK_NOTIFIER_WEBHOOK_SECRET": "w",
            "REBOOK_NOTIFIER_CLIENTS": "rb-app:s:rb,lh-app:s2:LH",
            "REBOOK_NOTIFIER_RETENTION": "2h",
            "REBOOK_NOTIFIER_WEBHOOK_MAX_ATTEMPTS": "3",
            "REBOOK_NOTIFIER_WEBHOOK_BACKOFF": "100ms",
            "REBOOK_NOTIFIER_WEBHOOK_BACKOFF_MAX": "1s",
        }
    )
    assert settings.dev_secrets == []
    assert settings.clients[0] == ClientCredential("rb-app", "s", "RB")
    assert settings.retention == timedelta(hours=2)
    assert (settings.retry.max_attempts, settings.retry.base_s, settings.retry.cap_s) == (3, 0.1, 1.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REBOOK_NOTIFIER_CLIENTS", "only-two:parts"),
        ("REBOOK_NOTIFIER_RETENTION", "soon"),
        ("REBOOK_NOTIFIER_RETENTION", "0s"),
        ("REBOOK_NOTIFIER_WEBHOOK_BACKOFF", "10m"),
        ("REBOOK_NOTIFIER_WEBHOOK_WORKERS", "0"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match="REBOOK_NOTIFIER_"):
        load_settings({name: value})


def test_channel_validation() -> None:
    assert validate_registration(Route.STREAM, "") is Route.STREAM
    assert validate_registration(Route.WEBHOOK, "https://app.example/hook") is Route.WEBHOOK
    cases = [
        (None, "", "kind"),
        (Route.WEBHOOK, "", "webhook_url"),
        (Route.WEBHOOK, "ftp://x/y", "webhook_url"),
        (Route.WEBHOOK, "https:///nohost", "webhook_url"),
        (Route.STREAM, "https://app.example/hook", "webhook_url"),
    ]
    for route, url, field in cases:
        with pytest.raises(ValidationError) as error:
            validate_registration(route, url)
        assert [violation.field for violation in error.value.violations] == [field]

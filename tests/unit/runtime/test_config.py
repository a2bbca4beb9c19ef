from datetime import timedelta

import pytest

from rebook.runtime.config import ConfigError, Env, load_runtime_config, parse_duration


def test_defaults_when_nothing_is_set() -> None:
    config = load_runtime_config("detector", environ={})
    assert config.grpc_port == 50051
    assert config.metrics_port == 9101
    assert config.kafka_bootstrap == "127.0.0.1:19092"
    assert config.group_id("flights") == "rebook.detector.flights"


def test_service_specific_port_and_shared_settings() -> None:
    environ = {"REBOOK_DETECTOR_GRPC_PORT": "0", "REBOOK_KAFKA_BOOTSTRAP": "k:9092", "REBOOK_SHUTDOWN_GRACE": "250ms"}
    config = load_runtime_config("detector", environ=environ)
    assert config.grpc_port == 0
    assert config.kafka_bootstrap == "k:9092"
    assert config.shutdown_grace == timedelta(milliseconds=250)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REBOOK_DETECTOR_GRPC_PORT", "abc"),
        ("REBOOK_DETECTOR_GRPC_PORT", "70000"),
        ("REBOOK_LOG_LEVEL", "LOUD"),
        ("REBOOK_GRPC_MAX_WORKERS", "0"),
        ("REBOOK_SHUTDOWN_GRACE", "soon"),
    ],
)
def test_bad_value_fails_fast_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_runtime_config("detector", environ={name: value})


def test_env_parsers() -> None:
    env = Env({"REBOOK_A": "yes", "REBOOK_B": "2m", "REBOOK_C": "x, y,,z", "REBOOK_D": "1.5"})
    assert env.bool("A", False) is True
    assert env.duration("B", timedelta()) == timedelta(minutes=2)
    assert env.list("C") == ("x", "y", "z")
    assert env.float("D", 0.0) == 1.5
    assert env.int("MISSING", 7) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90", timedelta(seconds=90)),
        ("90s", timedelta(seconds=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("1h30m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_durations_take_go_style_compounds(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "5 minutes", "1h30", "-5s"])
def test_a_bad_duration_says_what_a_duration_looks_like(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)

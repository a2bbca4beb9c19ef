"""Typed configuration read once from ``REBOOK_*`` environment variables.

A bad value fails fast at start-up with an error naming the variable, instead of surfacing
as a strange failure minutes later.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

T = TypeVar("T")

PREFIX = "REBOOK_"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:19092"


class ConfigError(ValueError):
    """A configuration variable has a value that cannot be used."""


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true/false")


_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str) -> timedelta:
    """A plain number of seconds (``90``) or Go-style parts: ``500ms``, ``90s``, ``1h30m``, ``2d``."""
    stripped = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", stripped):
        return timedelta(seconds=float(stripped))
    if not stripped or _DURATION_PART.sub("", stripped):
        raise ValueError(f"{text!r} is not a duration (examples: 90s, 500ms, 5m, 1h30m, 2d)")
    return timedelta(
        seconds=sum(float(number) * _DURATION_UNITS[unit] for number, unit in _DURATION_PART.findall(stripped))
    )


def _parse_port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError("expected a port number 0-65535")
    return port


def _parse_positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("expected a positive integer")
    return value


def _parse_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


class Env:
    """Reads ``REBOOK_<NAME>`` variables from a mapping (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    @property
    def environ(self) -> Mapping[str, str]:
        """The variables read, for loaders that take a mapping."""
        return self._environ

    def _get(self, name: str, default: T, parse: Callable[[str], T]) -> T:
        key = PREFIX + name
        raw = self._environ.get(key)
        if raw is None or raw == "":
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{key}={raw!r} is invalid: {exc}") from None

    def str(self, name: str, default: str) -> str:
        return self._get(name, default, lambda text: text)

    def int(self, name: builtins.str, default: builtins.int) -> builtins.int:
        return self._get(name, default, int)

    def positive_int(self, name: builtins.str, default: builtins.int) -> builtins.int:
        return self._get(name, default, _parse_positive_int)

    def float(self, name: builtins.str, default: builtins.float) -> builtins.float:
        return self._get(name, default, float)

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        return self._get(name, default, _parse_bool)

    def port(self, name: builtins.str, default: builtins.int) -> builtins.int:
        return self._get(name, default, _parse_port)

    def duration(self, name: builtins.str, default: timedelta) -> timedelta:
        return self._get(name, default, parse_duration)

    def list(self, name: builtins.str, default: tuple[builtins.str, ...] = ()) -> tuple[builtins.str, ...]:
        return self._get(name, default, _parse_list)

    def pairs(self, name: builtins.str) -> dict[builtins.str, builtins.str]:
        """``KEY=VALUE,...``; a bad item names the variable."""
        out: dict[str, str] = {}
        for item in self.list(name):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"{PREFIX}{name}: {item!r} is not KEY=VALUE")
            out[key.strip()] = value.strip()
        return out

    def duration_map(self, name: builtins.str) -> dict[builtins.str, timedelta]:
        """``KEY=DURATION,...`` (e.g. ``RB=10m,XY=20m``)."""
        return {
            key: Env({PREFIX + name: value}).duration(name, timedelta(0)) for key, value in self.pairs(name).items()
        }

    def carrier_sets(self, name: builtins.str) -> dict[builtins.str, frozenset[builtins.str]]:
        """``CARRIER=A/B,...`` (e.g. ``RB=AA/MQ,AA=MQ``): per carrier, a set of carriers."""
        return {
            key: frozenset(c.strip() for c in value.split("/") if c.strip()) for key, value in self.pairs(name).items()
        }

    def raw(self, name: builtins.str) -> builtins.str:
        return self._environ.get(PREFIX + name, "")

    def choice(self, name: builtins.str, default: builtins.str, choices: tuple[builtins.str, ...]) -> builtins.str:
        def parse(text: builtins.str) -> builtins.str:
            if text not in choices:
                raise ValueError(f"expected one of {', '.join(choices)}")
            return text

        return self._get(name, default, parse)


DEVELOPMENT = "development"
MIN_SECRET_BYTES = 32
# Values that were ever published (in code, compose or manifests): never a production secret.
PUBLISHED_SECRETS = frozenset(
    {
        "rebook-development-auth-secret-do-not-use-in-production",
        "rebook-development-webhook-secret-do-not-use-in-production",
        "rebook-dev-token-secret",
        "rebook-dev-webhook-secret",
        "dev-only-token-secret-change-me",
        "dev-only-webhook-secret-change-me",
        "REPLACE-ME",
    }
)


def is_development(env: Env) -> bool:
    """``REBOOK_ENV=development``: the only mode that accepts the published development secrets."""
    return env.raw("ENV").strip().lower() == DEVELOPMENT


def secret_problem(value: str) -> str:
    """Why ``value`` cannot be a production secret, or ``""``."""
    if not value:
        return "is required outside REBOOK_ENV=development"
    if value in PUBLISHED_SECRETS:
        return "is a published development value"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    return ""


def secret(env: Env, name: str, development_value: str) -> bytes:
    """The secret ``REBOOK_<name>``; under development mode it defaults to ``development_value``,
    otherwise a missing, published or short value is a ``ConfigError`` naming the variable."""
    value = env.raw(name)
    if is_development(env):
        return (value or development_value).encode()
    problem = secret_problem(value)
    if problem:
        raise ConfigError(f"{PREFIX}{name} {problem} (set REBOOK_ENV=development only for local runs)")
    return value.encode()


def secrets(env: Env, name: str) -> tuple[bytes, ...]:
    """A comma-separated list of secrets (e.g. older keys during a rotation), each checked like ``secret``."""
    values = env.list(name)
    if not is_development(env):
        for position, value in enumerate(values):
            problem = secret_problem(value)
            if problem:
                raise ConfigError(f"{PREFIX}{name}: item {position} {problem}")
    return tuple(value.encode() for value in values)


# Default ports per service, so a local run of all four needs no configuration.
DEFAULT_PORTS: dict[str, tuple[int, int]] = {
    "detector": (50051, 9101),
    "locator": (50052, 9102),
    "optimizer": (50053, 9103),
    "notifier": (50054, 9104),
}


# Server-streaming services hold one worker thread per open stream (one per subscribed device).
DEFAULT_MAX_WORKERS: dict[str, int] = {"notifier": 1024}


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """What every service needs, whatever it does."""

    service: str
    kafka_bootstrap: str
    grpc_host: str
    grpc_port: int
    metrics_port: int
    log_level: str
    grpc_max_workers: int
    shutdown_grace: timedelta
    consumer_group_prefix: str
    kafka_wait: timedelta = timedelta(seconds=60)  # how long a starting service waits for Kafka

    @property
    def grpc_address(self) -> str:
        return f"{self.grpc_host}:{self.grpc_port}"

    def group_id(self, purpose: str = "") -> str:
        """Explicit consumer group id per service (and purpose, when it has several)."""
        suffix = f".{purpose}" if purpose else ""
        return f"{self.consumer_group_prefix}.{self.service}{suffix}"


def load_runtime_config(service: str, environ: Mapping[str, str] | None = None) -> RuntimeConfig:
    """Reads the runtime settings; per-service ``REBOOK_<SERVICE>_GRPC_PORT`` wins over defaults."""
    env = Env(environ)
    grpc_default, metrics_default = DEFAULT_PORTS.get(service, (0, 0))
    upper = service.upper()
    return RuntimeConfig(
        service=service,
        kafka_bootstrap=env.str("KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP),
        grpc_host=env.str("GRPC_HOST", "127.0.0.1"),
        grpc_port=env.port(f"{upper}_GRPC_PORT", grpc_default),
        metrics_port=env.port(f"{upper}_METRICS_PORT", metrics_default),
        log_level=env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        grpc_max_workers=env.positive_int(
            f"{upper}_GRPC_MAX_WORKERS", env.positive_int("GRPC_MAX_WORKERS", DEFAULT_MAX_WORKERS.get(service, 16))
        ),
        shutdown_grace=env.duration("SHUTDOWN_GRACE", timedelta(seconds=5)),
        consumer_group_prefix=env.str("CONSUMER_GROUP_PREFIX", "rebook"),
        kafka_wait=env.duration("KAFKA_WAIT", timedelta(seconds=60)),
    )

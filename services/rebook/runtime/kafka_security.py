"""Kafka security settings, passed through to every producer, consumer and admin client.

From ``REBOOK_KAFKA_*`` (unset: PLAINTEXT, as for the local broker):

- ``REBOOK_KAFKA_SECURITY_PROTOCOL``: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
- ``REBOOK_KAFKA_SASL_MECHANISM``: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
- ``REBOOK_KAFKA_SASL_USERNAME`` / ``REBOOK_KAFKA_SASL_PASSWORD``
- ``REBOOK_KAFKA_SSL_CAFILE``, ``REBOOK_KAFKA_SSL_CERTFILE``, ``REBOOK_KAFKA_SSL_KEYFILE``: PEM files

The names of kafka-python's own settings, so the broker's documentation applies as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rebook.runtime.config import ConfigError, Env

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def kafka_security(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``KafkaProducer``/``KafkaConsumer``/``KafkaAdminClient``."""
    env = Env(environ)
    protocol = env.choice("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", PROTOCOLS)
    settings: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        mechanism = env.choice("KAFKA_SASL_MECHANISM", "PLAIN", MECHANISMS)
        username, password = env.str("KAFKA_SASL_USERNAME", ""), env.raw("KAFKA_SASL_PASSWORD")
        if not username or not password:
            needed = "REBOOK_KAFKA_SASL_USERNAME and REBOOK_KAFKA_SASL_PASSWORD"
            raise ConfigError(f"REBOOK_KAFKA_SECURITY_PROTOCOL={protocol} needs {needed}")
        settings |= {"sasl_mechanism": mechanism, "sasl_plain_username": username, "sasl_plain_password": password}
    if protocol in ("SSL", "SASL_SSL"):
        for name in ("CAFILE", "CERTFILE", "KEYFILE"):
            path = env.str(f"KAFKA_SSL_{name}", "")
            if path:
                settings[f"ssl_{name.lower()}"] = path
    return settings

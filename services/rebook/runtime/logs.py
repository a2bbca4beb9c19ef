"""Structured JSON logs, one object per line, with passenger data kept out.

Call sites pass context through ``extra={...}``; keys that could carry personal data
(names, tokens, coordinates, passenger ids) are dropped by the formatter, so a careless
``extra`` cannot leak them.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Never written to a log line, whatever the call site passes.
SENSITIVE_KEYS = frozenset(
    {
        "passenger_id",
        "passenger_ids",
        "passenger_name",
        "full_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "token",
        "authorization",
        "secret",
        "latitude",
        "longitude",
        "lat",
        "lon",
        "coordinates",
        "webhook_url",
        # Identify a booking: an offer id and a notification id start with the record locator.
        "record_locator",
        "offer_id",
        "notification_id",
        "key",
    }
)

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; extras are included unless sensitive."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD_ATTRS or key.startswith("_") or key.lower() in SENSITIVE_KEYS:
                continue
            entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"))


def configure_logging(service: str, level: str = "INFO") -> None:
    """Routes the root logger to stderr as JSON lines; idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python is chatty at INFO about every connection.
    logging.getLogger("kafka").setLevel(logging.WARNING)

"""Domain errors.  Cores raise these; the gRPC layer maps them to canonical status codes
(``INVALID_ARGUMENT`` with ``BadRequest`` field violations, ``NOT_FOUND``, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field: ``field`` is a dotted path into the request, e.g. ``legs[3].origin``."""

    field: str
    description: str


class DomainError(Exception):
    """Base of errors a core raises on purpose; ``reason`` is a stable UPPER_SNAKE code."""

    reason = "DOMAIN_ERROR"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason


class ValidationError(DomainError):
    """The input is malformed; nothing was applied.  → INVALID_ARGUMENT."""

    reason = "INVALID_INPUT"

    def __init__(self, violations: Iterable[FieldViolation], message: str = "", *, reason: str | None = None):
        self.violations = tuple(violations)
        text = message or "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(text or "invalid input", reason=reason)


class NotFoundError(DomainError):
    """A referenced entity does not exist.  → NOT_FOUND (with the field that named it)."""

    reason = "NOT_FOUND"

    def __init__(self, message: str, *, field: str = "", reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.field = field


class PreconditionError(DomainError):
    """The request is valid but the system is not in a state to do it.  → FAILED_PRECONDITION."""

    reason = "FAILED_PRECONDITION"


class PermissionDeniedError(DomainError):
    """The caller is known but may not do this.  → PERMISSION_DENIED."""

    reason = "PERMISSION_DENIED"


class UnauthenticatedError(DomainError):
    """The caller could not be identified.  → UNAUTHENTICATED."""

    reason = "UNAUTHENTICATED"


class ConflictError(DomainError):
    """A concurrent or stale write (e.g. an older version).  → ABORTED."""

    reason = "CONFLICT"


class UnavailableError(DomainError):
    """A dependency (Kafka) did not take the write; nothing was applied, retry later.  → UNAVAILABLE."""

    reason = "UNAVAILABLE"


class ResourceExhaustedError(DomainError):
    """A per-caller or global cap is reached (e.g. open streams); retry later.  → RESOURCE_EXHAUSTED."""

    reason = "RESOURCE_EXHAUSTED"

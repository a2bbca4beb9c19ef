"""Domain errors → canonical gRPC status with ``google.rpc`` details.

Servicers raise ``rebook.domain.errors`` exceptions; the server interceptor turns them into
``INVALID_ARGUMENT`` + ``BadRequest`` field violations, ``NOT_FOUND``, and so on, each with an
``ErrorInfo`` (reason, domain).  Unexpected exceptions become ``INTERNAL`` without internals.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import cast

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from rebook.domain.batch import Rejected, UnknownLegError
from rebook.domain.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    ValidationError,
)
from rebook.v1 import batch_pb2

ERROR_DOMAIN = "rebook.dev"

# Error details travel in trailers, which clients cap (grpc-python: 8 KiB of metadata by
# default); a reply that does not fit loses every detail as RESOURCE_EXHAUSTED.  So at most
# REBOOK_GRPC_MAX_FIELD_VIOLATIONS violations are listed (then a count of the rest), echoed
# text is truncated, and the whole status stays under DETAILS_BUDGET_BYTES.
MAX_FIELD_VIOLATIONS = int(os.environ.get("REBOOK_GRPC_MAX_FIELD_VIOLATIONS") or 20)
MAX_TEXT_CHARS = 200
MAX_MESSAGE_CHARS = 500
DETAILS_BUDGET_BYTES = 4096


def truncate(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _bounded(violations: list[error_details_pb2.BadRequest.FieldViolation]) -> error_details_pb2.BadRequest:
    """The first violations that fit the count and byte budget, then one naming how many more."""
    bad = error_details_pb2.BadRequest()
    for violation in violations:
        if len(bad.field_violations) >= MAX_FIELD_VIOLATIONS or bad.ByteSize() > DETAILS_BUDGET_BYTES - 1600:
            break
        bad.field_violations.add(field=truncate(violation.field), description=truncate(violation.description))
    rest = len(violations) - len(bad.field_violations)
    if rest:
        bad.field_violations.add(field="", description=f"{rest} more violations not shown")
    return bad


_CODES: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationError, code_pb2.INVALID_ARGUMENT),
    (NotFoundError, code_pb2.NOT_FOUND),
    (PreconditionError, code_pb2.FAILED_PRECONDITION),
    (PermissionDeniedError, code_pb2.PERMISSION_DENIED),
    (UnauthenticatedError, code_pb2.UNAUTHENTICATED),
    (ConflictError, code_pb2.ABORTED),
    (UnavailableError, code_pb2.UNAVAILABLE),
    (ResourceExhaustedError, code_pb2.RESOURCE_EXHAUSTED),
)


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def status_for(error: DomainError) -> grpc.Status:
    """The ``grpc.Status`` (with rich details) for a domain error."""
    code = next((c for kind, c in _CODES if isinstance(error, kind)), code_pb2.INTERNAL)
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN))]
    violations: list[error_details_pb2.BadRequest.FieldViolation] = []
    if isinstance(error, ValidationError | UnknownLegError):
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations
        ]
    elif isinstance(error, NotFoundError) and error.field:
        violations = [error_details_pb2.BadRequest.FieldViolation(field=error.field, description=str(error))]
    if violations:
        details.append(_pack(_bounded(violations)))
    message = truncate(str(error), MAX_MESSAGE_CHARS)
    return rpc_status.to_status(status_pb2.Status(code=code, message=message, details=details))


def internal_status() -> grpc.Status:
    return rpc_status.to_status(
        status_pb2.Status(
            code=code_pb2.INTERNAL,
            message="internal error; see the service log",
            details=[_pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=ERROR_DOMAIN))],
        )
    )


def code_name(error: DomainError) -> str:
    """Canonical code name (e.g. ``INVALID_ARGUMENT``) for per-item results in batch replies."""
    return status_for(error).code.name


# A bulk reply lists refused items while they fit this (the client's default limit is 4 MiB);
# its count field counts them all.
REJECTED_BUDGET_BYTES = 1 << 20


def rejected_items(rejected: Sequence[Rejected], budget: int = REJECTED_BUDGET_BYTES) -> list[batch_pb2.RejectedItem]:
    """The refused items of a bulk reply, in request order, while they fit ``budget`` bytes."""
    items: list[batch_pb2.RejectedItem] = []
    used = 0
    for item in sorted(rejected, key=lambda r: r.index):
        message = rejected_to_proto(item)
        used += message.ByteSize() + 4  # tag and length
        if used > budget:
            break
        items.append(message)
    return items


def rejected_to_proto(rejected: Rejected) -> batch_pb2.RejectedItem:
    """A refused item of a bulk reply, bounded like a status's details (a reply of thousands of
    refused items must still fit the client's limits)."""
    violations = list(rejected.violations)
    item = batch_pb2.RejectedItem(
        index=rejected.index,
        id=truncate(rejected.item_id, 64),
        code=code_name(rejected.error),
        reason=rejected.error.reason,
        message=truncate(str(rejected.error), MAX_MESSAGE_CHARS),
    )
    for violation in violations[:MAX_FIELD_VIOLATIONS]:
        item.violations.add(field=truncate(violation.field), description=truncate(violation.description))
    if len(violations) > MAX_FIELD_VIOLATIONS:
        item.violations.add(description=f"{len(violations) - MAX_FIELD_VIOLATIONS} more violations not shown")
    return item


def field_violations(call_error: grpc.RpcError) -> list[tuple[str, str]]:
    """Client side: the ``(field, description)`` pairs of a failed call, for tests and CLIs."""
    status = rpc_status.from_call(cast(grpc.Call, call_error))  # a channel's errors are its calls
    if status is None:
        return []
    found: list[tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.extend((v.field, v.description) for v in bad.field_violations)
    return found


def error_reason(call_error: grpc.RpcError) -> str:
    """Client side: the ``ErrorInfo.reason`` of a failed call, or ``""``."""
    status = rpc_status.from_call(cast(grpc.Call, call_error))
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.reason)
    return ""

"""Per-item outcomes of bulk writes (``LoadSchedule``, ``UpsertBookings``, scenario tools).

A bulk call applies every valid item and reports each refused one with its position in the
request and why (field violations); ``atomic`` callers get all or nothing instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rebook.domain.errors import DomainError, FieldViolation, PreconditionError, ValidationError

SHOWN_REJECTIONS = 5  # how many refused items a person is shown (the reports count them all)


@dataclass(frozen=True, slots=True)
class Rejected:
    """Item ``index`` of a bulk request (``item_id``: its leg id or record locator) was refused."""

    index: int
    item_id: str
    error: DomainError

    @property
    def violations(self) -> tuple[FieldViolation, ...]:
        if isinstance(self.error, ValidationError | UnknownLegError):
            return self.error.violations
        field = getattr(self.error, "field", "")
        return (FieldViolation(field, str(self.error)),) if field else ()

    def line(self) -> str:
        """One line for a person: which item, and what is wrong with it."""
        name = f" {self.item_id}" if self.item_id else ""
        return f"#{self.index}{name}: {self.error}"


class UnknownLegError(PreconditionError):
    """A booking names legs the schedule does not hold (yet): load the schedule first.
    → FAILED_PRECONDITION, with a field violation per unknown leg."""

    reason = "UNKNOWN_LEG"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in self.violations))


def all_violations(rejected: Sequence[Rejected]) -> list[FieldViolation]:
    """Every violation of every refused item, for an atomic call's one INVALID_ARGUMENT."""
    return [v for r in rejected for v in (r.violations or (FieldViolation(f"[{r.index}]", str(r.error)),))]

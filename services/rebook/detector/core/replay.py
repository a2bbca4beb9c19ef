"""Offline use of the detector core (``rebook solve``): a scenario in, final state out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rebook.domain.errors import DomainError
from rebook.domain.model import Disruption, FlightLeg

from .events import FlightEvent
from .settings import DetectorSettings
from .state import FlightStateStore
from .validation import check_event_shape


class ReplayResult(NamedTuple):
    """Final legs by id, every disruption version in emission order, and rejected events."""

    legs: dict[str, FlightLeg]
    disruptions: list[Disruption]
    rejected: list[tuple[FlightEvent, DomainError]]

    def current(self) -> dict[str, Disruption]:
        """Latest version of each disruption that is still in force, by id."""
        latest: dict[str, Disruption] = {}
        for d in self.disruptions:
            latest[d.disruption_id] = d
        return {k: d for k, d in latest.items() if not d.withdrawn}


def replay(
    legs: Sequence[FlightLeg], events: Iterable[FlightEvent], settings: DetectorSettings | None = None
) -> ReplayResult:
    """Loads ``legs`` and applies ``events`` in event-time order, each at its own event time.

    An invalid schedule raises ``ValidationError`` (nothing sensible can follow); an invalid
    event is skipped and collected in ``rejected``.
    """
    rejected: list[tuple[FlightEvent, DomainError]] = []
    valid: list[FlightEvent] = []
    for event in events:
        try:
            check_event_shape(event)  # an event without a usable time cannot even be ordered
        except DomainError as error:
            rejected.append((event, error))
        else:
            valid.append(event)
    valid.sort(key=lambda e: e.event_time)  # stable: same-time events keep their file order
    store = FlightStateStore(settings)
    start = valid[0].event_time if valid else min((leg.scheduled_departure for leg in legs), default=None)
    emitted = list(store.load_schedule(legs, start).disruptions) if start else []
    for event in valid:
        try:
            emitted.extend(store.apply(event, event.event_time).disruptions)
        except DomainError as error:
            rejected.append((event, error))
    return ReplayResult({leg.leg_id: leg for leg in store.legs()}, emitted, rejected)

"""Offline use of the flight-state core (``rebook solve``): a scenario in, final state out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rebook.domain.errors import DomainError, ValidationError
from rebook.domain.model import Disruption, FlightLeg

from .events import FlightEvent
from .settings import DetectorSettings
from .state import FlightStateStore
from .validation import check_event_shape


class ReplayResult(NamedTuple):
    """Final legs by id, every disruption version in emission order, rejected events, and
    rejected legs (position in the schedule given → why)."""

    legs: dict[str, FlightLeg]
    disruptions: list[Disruption]
    rejected: list[tuple[FlightEvent, DomainError]]
    rejected_legs: dict[int, ValidationError] = {}

    def current(self) -> dict[str, Disruption]:
        """Latest version of each disruption that is still in force, by id."""
        latest: dict[str, Disruption] = {}
        for d in self.disruptions:
            latest[d.disruption_id] = d
        return {k: d for k, d in latest.items() if not d.withdrawn}


def replay(
    legs: Sequence[FlightLeg],
    events: Iterable[FlightEvent],
    settings: DetectorSettings | None = None,
    paths: Sequence[str] | None = None,
) -> ReplayResult:
    """Loads ``legs`` and applies ``events`` in event-time order, each at its own event time.

    As ``LoadSchedule`` does by default, an invalid leg is left out and collected in
    ``rejected_legs`` (``paths[i]`` names ``legs[i]`` in its violations); an invalid event is
    skipped and collected in ``rejected`` (an event on a left-out leg is one of those).
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
    loaded = store.load_schedule(legs, start, atomic=False, paths=paths) if start else None
    emitted = list(loaded.disruptions) if loaded else []
    for event in valid:
        try:
            emitted.extend(store.apply(event, event.event_time).disruptions)
        except DomainError as error:
            rejected.append((event, error))
    legs_by_id = {leg.leg_id: leg for leg in store.legs()}
    return ReplayResult(legs_by_id, emitted, rejected, loaded.rejected if loaded else {})

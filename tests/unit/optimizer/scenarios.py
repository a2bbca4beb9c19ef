"""Small scenario folders (the ``rebook solve`` format) built from plain domain data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rebook.domain.convert import booking_to_proto, leg_to_proto
from rebook.domain.model import Booking, FlightLeg
from rebook.flightops.convert import event_to_proto
from rebook.flightops.events import FlightEvent
from rebook.tooling.sim.scenario import Scenario


def write_scenario(
    folder: Path, legs: Sequence[FlightLeg], bookings: Sequence[Booking], events: Sequence[FlightEvent]
) -> Path:
    Scenario(
        flights=[leg_to_proto(g) for g in legs],
        bookings=[booking_to_proto(b) for b in bookings],
        events=[event_to_proto(e) for e in events],
        pings=[],
    ).save(folder)
    return folder

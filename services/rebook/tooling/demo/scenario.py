"""The demo's own copy of a generated scenario: this run's carrier, event ids, booking versions
and (on a broker that holds earlier runs) record locators and passenger ids."""

from __future__ import annotations

import random
from datetime import datetime

from rebook.domain.convert import timestamp_field
from rebook.tooling.sim.generator.bookings import LOCATOR_ALPHABET
from rebook.tooling.sim.scenario import Scenario
from rebook.tooling.sim.scenario_map import ScenarioMap, map_scenario

CARRIER = "RB"  # the generator's airline
PASSENGER_CARRIER_FREE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def namespace_scenario(
    scenario: Scenario, carrier: str, tag: str, booking_version: int, fresh_ids: bool = False
) -> tuple[Scenario, dict[str, str]]:
    """A copy for one run and the record-locator map (this run's → the folder's).

    Event ids get ``tag`` appended and booking versions are raised to ``booking_version``
    (so a rerun is news to the detector and the optimizer).  With another ``carrier`` the leg
    ids and tails follow.  ``fresh_ids`` also gives every booking a new record locator and every
    passenger a suffixed id, so nothing an earlier run left on the broker (offers per record
    locator, proximity per passenger) touches this run.
    """
    rng = random.SystemRandom()
    locators: dict[str, str] = {}

    def leg(moved) -> None:
        if moved.carrier != carrier:
            if moved.carrier and moved.tail_number.endswith(moved.carrier):
                moved.tail_number = moved.tail_number[: -len(moved.carrier)] + carrier
            moved.carrier = carrier

    def booking(moved) -> None:
        folder_locator = moved.record_locator
        moved.carrier = carrier if moved.carrier in (CARRIER, "") else moved.carrier
        moved.version = max(moved.version, booking_version)
        if fresh_ids:
            while moved.record_locator in locators or moved.record_locator == folder_locator:
                # Eight characters (the longest a locator may be): a broker that kept many earlier
                # runs holds hundreds of thousands of six-character ones, and taking over one of
                # another run's carrier is refused.
                moved.record_locator = "".join(rng.choice(LOCATOR_ALPHABET) for _ in range(8))
            for passenger in moved.passengers:
                passenger.passenger_id = f"{passenger.passenger_id}.{tag}"
        locators[moved.record_locator] = folder_locator

    def event(moved) -> None:
        moved.event_id = f"{moved.event_id}~{tag}"

    def ping(moved) -> None:
        moved.passenger_id = f"{moved.passenger_id}.{tag}"

    mapping = ScenarioMap(leg=leg, booking=booking, event=event, ping=ping if fresh_ids else None)
    return map_scenario(scenario, mapping), locators


def storm_start(scenario: Scenario) -> datetime | None:
    """Event time of the first event that is more than an actual movement (the storm's start)."""
    times = [
        timestamp_field(e, "event_time") for e in scenario.events if e.WhichOneof("change") not in (None, "actuals")
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def fresh_carrier() -> str:
    """A two-letter code for a run on a broker that may hold earlier runs (never RB)."""
    rng = random.SystemRandom()
    while True:
        code = "".join(rng.choice(PASSENGER_CARRIER_FREE) for _ in range(2))
        if code != CARRIER:
            return code

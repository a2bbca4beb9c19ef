"""One walk over a scenario (``map_scenario``) behind replay's time shift, replay's ``--rename``
and the demo's per-run namespace: references stay whole, the original is untouched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rebook.domain.convert import booking_to_proto, leg_to_proto, timestamp_field, to_timestamp
from rebook.domain.model import Booking, Cabin, Passenger, Segment, Tier
from rebook.flightops.convert import event_to_proto
from rebook.flightops.events import Cancellation, EstimateChange, FlightEvent
from rebook.tooling.demo.scenario import namespace_scenario
from rebook.tooling.sim.generator.fleet import AircraftType, make_leg
from rebook.tooling.sim.scenario import Scenario
from rebook.tooling.sim.scenario_map import ScenarioMap, map_scenario, rename_scenario, shift_scenario
from rebook.v1 import location_pb2

DAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
E75 = AircraftType("E75", {Cabin.ECONOMY: 64})


def _scenario() -> Scenario:
    inbound = make_leg("RB", 101, DAY, ("LAX", "DEN"), (T0, T0 + timedelta(hours=2)), E75, "N301RB", {Cabin.ECONOMY: 1})
    onward = make_leg("RB", 102, DAY, ("DEN", "BOS"), (T0 + timedelta(hours=3), T0 + timedelta(hours=7)), E75, "N302RB")
    trip = (Segment(inbound.leg_id, Cabin.ECONOMY), Segment(onward.leg_id, Cabin.ECONOMY))
    booking = Booking("ABC234", (Passenger("pax-1", Tier.GOLD),), trip, carrier="RB", version=3)
    events = [
        FlightEvent("ev-1", inbound.leg_id, T0 - timedelta(hours=1), EstimateChange(T0 + timedelta(minutes=40))),
        FlightEvent("ev-2", onward.leg_id, T0, Cancellation("WX")),
    ]
    ping = location_pb2.LocationPing(passenger_id="pax-1", latitude=33.9, longitude=-118.4, consent=True)
    ping.ping_time.CopyFrom(to_timestamp(T0 - timedelta(hours=2)))
    return Scenario(
        flights=[leg_to_proto(inbound), leg_to_proto(onward)],
        bookings=[booking_to_proto(booking)],
        events=[event_to_proto(e) for e in events],
        pings=[ping],
    )


def _references_whole(scenario: Scenario) -> bool:
    ids = {leg.leg_id for leg in scenario.flights}
    return all(s.leg_id in ids for b in scenario.bookings for s in b.segments) and all(
        e.leg_id in ids for e in scenario.events
    )


def test_a_changed_leg_gets_its_new_id_and_what_names_it_follows() -> None:
    original = _scenario()
    kept = original.flights[0].SerializeToString()

    def leg(moved) -> None:
        if moved.origin == "LAX":
            moved.origin = "BUR"

    mapped = map_scenario(original, ScenarioMap(leg=leg))
    assert [leg.leg_id for leg in mapped.flights] == ["RB101-2026-11-23-BUR", original.flights[1].leg_id]
    assert mapped.bookings[0].segments[0].leg_id == "RB101-2026-11-23-BUR" and _references_whole(mapped)
    assert mapped.events[0].leg_id == "RB101-2026-11-23-BUR"
    assert mapped.events[1] is original.events[1]  # names no changed leg: not even copied
    assert mapped.pings[0] is original.pings[0]
    assert original.flights[0].SerializeToString() == kept and original.bookings[0].segments[0].leg_id.endswith("LAX")


def test_a_mapping_that_refuses_a_value_leaves_the_original_as_it_was() -> None:
    original = _scenario()
    original.bookings[0].record_locator = "ABCDEFGH"  # no room for a tag
    before = [m.SerializeToString() for m in (*original.flights, *original.bookings, *original.events)]
    with pytest.raises(ValueError, match="has no room"):
        rename_scenario(original, "A")
    assert [m.SerializeToString() for m in (*original.flights, *original.bookings, *original.events)] == before


def test_the_time_shift_moves_every_instant_and_the_operating_dates() -> None:
    original = _scenario()
    moved = shift_scenario(original, timedelta(days=10, hours=3))
    assert shift_scenario(original, timedelta(0)) is original
    first = moved.flights[0]
    assert timestamp_field(first, "scheduled_departure_time") == T0 + timedelta(days=10, hours=3)
    assert first.operating_date == "2026-12-03" and first.leg_id == "RB101-2026-12-03-LAX"
    assert timestamp_field(moved.events[0], "event_time") == T0 + timedelta(days=10, hours=2)
    assert timestamp_field(moved.pings[0], "ping_time") == T0 + timedelta(days=10, hours=1)
    assert _references_whole(moved) and original.flights[0].operating_date == "2026-11-23"
    within_the_day = shift_scenario(original, timedelta(hours=5))
    assert [leg.leg_id for leg in within_the_day.flights] == [leg.leg_id for leg in original.flights]


def test_rename_tags_flight_numbers_record_locators_and_event_ids() -> None:
    renamed = rename_scenario(_scenario(), "B")
    assert [leg.flight_number for leg in renamed.flights] == ["101B", "102B"]
    assert renamed.flights[0].leg_id == "RB101B-2026-11-23-LAX" and _references_whole(renamed)
    assert renamed.bookings[0].record_locator == "ABC234B"
    assert [e.event_id for e in renamed.events] == ["ev-1-B", "ev-2-B"]
    with pytest.raises(ValueError, match="already has a suffix"):
        rename_scenario(renamed, "C")
    with pytest.raises(ValueError, match="one letter"):
        rename_scenario(renamed, "b")


def test_the_demo_namespace_flies_another_carrier_with_fresh_ids() -> None:
    original = _scenario()
    run, locators = namespace_scenario(original, "QX", "t1", booking_version=99, fresh_ids=True)
    assert [leg.leg_id for leg in run.flights] == ["QX101-2026-11-23-LAX", "QX102-2026-11-23-DEN"]
    assert [leg.tail_number for leg in run.flights] == ["N301QX", "N302QX"] and _references_whole(run)
    booking = run.bookings[0]
    assert booking.carrier == "QX" and booking.version == 99 and len(booking.record_locator) == 8
    assert locators == {booking.record_locator: "ABC234"}
    assert booking.passengers[0].passenger_id == "pax-1.t1" and run.pings[0].passenger_id == "pax-1.t1"
    assert [e.event_id for e in run.events] == ["ev-1~t1", "ev-2~t1"]
    same, kept = namespace_scenario(original, "RB", "t2", booking_version=1)
    assert [leg.leg_id for leg in same.flights] == [leg.leg_id for leg in original.flights]
    assert kept == {"ABC234": "ABC234"} and same.bookings[0].version == 3 and same.pings[0] is original.pings[0]

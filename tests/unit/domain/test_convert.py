from datetime import UTC, date, datetime, timedelta

import pytest

from rebook.domain.convert import (
    booking_from_proto,
    booking_to_proto,
    disruption_from_proto,
    disruption_to_proto,
    leg_from_proto,
    leg_to_proto,
    proximity_from_proto,
    proximity_to_proto,
)
from rebook.domain.errors import ValidationError
from rebook.domain.model import (
    Booking,
    Cabin,
    Disruption,
    DisruptionKind,
    FlightLeg,
    FlightStatus,
    Passenger,
    Proximity,
    ProximityBand,
    Segment,
    SpecialService,
    Tier,
)
from rebook.v1 import flight_pb2

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_leg_round_trip() -> None:
    leg = FlightLeg(
        leg_id="RB1-2026-11-23-FRA",
        carrier="RB",
        flight_number="1",
        operating_date=date(2026, 11, 23),
        origin="FRA",
        destination="JFK",
        scheduled_departure=T0,
        scheduled_arrival=T0 + timedelta(hours=8),
        capacity={Cabin.ECONOMY: 180, Cabin.BUSINESS: 20},
        sold={Cabin.ECONOMY: 170, Cabin.BUSINESS: 20},
        tail_number="D-ABCD",
        aircraft_type="333",
        min_turn=timedelta(minutes=60),
        estimated_departure=T0 + timedelta(minutes=30),
        status=FlightStatus.DELAYED,
        version=4,
    )
    assert leg_from_proto(leg_to_proto(leg)) == leg


def test_leg_with_bad_fields_names_them() -> None:
    message = flight_pb2.FlightLeg(leg_id="x", operating_date="23/11/2026")
    message.cabins.add(cabin=0, capacity=10)
    with pytest.raises(ValidationError) as error:
        leg_from_proto(message, field="legs[2].")
    fields = {v.field for v in error.value.violations}
    assert fields == {
        "legs[2].operating_date",
        "legs[2].scheduled_departure_time",
        "legs[2].scheduled_arrival_time",
        "legs[2].cabins[0].cabin",
    }


def test_booking_disruption_and_proximity_round_trip() -> None:
    booking = Booking(
        "X7K2PQ",
        (Passenger("p1", Tier.GOLD, frozenset({SpecialService.WHEELCHAIR}), True, True), Passenger("p2")),
        (Segment("RB1-2026-11-23-FRA", Cabin.BUSINESS), Segment("RB2-2026-11-23-JFK")),
        version=3,
        carrier="RB",
    )
    assert booking_from_proto(booking_to_proto(booking)) == booking
    disruption = Disruption(
        "CANCELLATION:RB1-2026-11-23-FRA",
        2,
        DisruptionKind.DOWNGAUGE,
        "RB",
        ("RB1-2026-11-23-FRA",),
        T0,
        predicted=True,
        cause_leg_id="RB0-2026-11-23-MUC",
        old_capacity={Cabin.ECONOMY: 180},
        new_capacity={Cabin.ECONOMY: 150},
        old_departure=T0,
        new_departure=T0 + timedelta(hours=1),
    )
    assert disruption_from_proto(disruption_to_proto(disruption)) == disruption
    proximity = Proximity("p1", "FRA", "FRA", ProximityBand.NEARBY, 12.0, timedelta(minutes=55), T0)
    assert proximity_from_proto(proximity_to_proto(proximity, T0)) == proximity


def test_timestamps_match_protobufs_own_conversion() -> None:
    from datetime import timezone

    from google.protobuf.timestamp_pb2 import Timestamp

    from rebook.domain.convert import to_timestamp

    moments = (datetime(2026, 11, 23, 9, 58, 7, 123456, tzinfo=UTC), datetime(1969, 12, 31, 23, 0, 0, 1, tzinfo=UTC))
    for moment in moments:
        expected = Timestamp()
        expected.FromDatetime(moment)
        assert to_timestamp(moment) == expected
        assert to_timestamp(moment.astimezone(timezone(timedelta(hours=-5)))) == expected


def test_a_day_of_detector_output_round_trips() -> None:
    from rebook.flightops import FlightStateStore
    from rebook.tooling.sim.generator.detector_day import make_day_schedule, make_event_stream

    schedule = make_day_schedule(300, seed=5)
    store = FlightStateStore()
    legs, disruptions = list(schedule), list(store.load_schedule(schedule, T0).disruptions)
    for e in make_event_stream(schedule, 3000, seed=5):
        result = store.apply(e, e.event_time)
        legs += result.legs
        disruptions += result.disruptions
    assert len(disruptions) > 1000
    for leg in legs:
        assert leg_from_proto(leg_to_proto(leg, T0)) == leg
    for disruption in disruptions:
        assert disruption_from_proto(disruption_to_proto(disruption)) == disruption


def test_bookings_from_the_wire_share_what_they_repeat() -> None:
    """The optimizer holds every live booking (docs/operations.md): two bookings decoded from
    separate messages share the empty service set, the leg id strings and the carrier code."""
    from rebook.v1 import booking_pb2

    def decoded(locator: str) -> Booking:
        booking = Booking(locator, (Passenger("pax-" + locator),), (Segment("RB1-2026-11-23-DEN"),), 1, "RB")
        wire = booking_to_proto(booking).SerializeToString()  # fresh strings, as Kafka gives them
        return booking_from_proto(booking_pb2.Booking.FromString(wire))

    a, b = decoded("ABC234"), decoded("XYZ789")
    assert a.passengers[0].special_services is b.passengers[0].special_services
    assert a.segments[0].leg_id is b.segments[0].leg_id
    assert a.carrier is b.carrier
    assert a == Booking("ABC234", (Passenger("pax-ABC234"),), (Segment("RB1-2026-11-23-DEN"),), 1, "RB")

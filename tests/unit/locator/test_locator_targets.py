from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import Booking, Cabin, FlightLeg, FlightStatus, Passenger, Segment
from rebook.locator.core.targets import TargetBook

DAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def leg(leg_id: str, origin: str, destination: str, hours: float, **changes) -> FlightLeg:
    departure = T0 + timedelta(hours=hours)
    base = FlightLeg(
        leg_id=leg_id,
        carrier="RB",
        flight_number=leg_id[2:5],
        operating_date=DAY,
        origin=origin,
        destination=destination,
        scheduled_departure=departure,
        scheduled_arrival=departure + timedelta(hours=2),
        capacity={Cabin.ECONOMY: 100},
    )
    return replace(base, **changes)


FRA_DEN = leg("RB100-2026-11-23-FRA", "FRA", "DEN", 0)
DEN_SFO = leg("RB200-2026-11-23-DEN", "DEN", "SFO", 12)
MUC_LHR = leg("RB300-2026-11-23-MUC", "MUC", "LHR", 4)


def booking(locator: str, passengers: tuple[str, ...], *legs: FlightLeg) -> Booking:
    return Booking(locator, tuple(Passenger(p) for p in passengers), tuple(Segment(x.leg_id) for x in legs))


def test_first_segment_origin_is_the_target_for_every_passenger() -> None:
    book = TargetBook()
    book.apply_leg(FRA_DEN.leg_id, FRA_DEN)
    changed = book.apply_booking("ABC123", booking("ABC123", ("p1", "p2"), FRA_DEN, DEN_SFO))
    assert changed == {"p1": "FRA", "p2": "FRA"}
    assert book.target("p1") == "FRA"


def test_departed_leg_moves_the_target_to_the_connection() -> None:
    book = TargetBook()
    book.apply_booking("ABC123", booking("ABC123", ("p1",), FRA_DEN, DEN_SFO))
    assert book.target("p1") == "FRA"  # from the canonical leg id before the leg is known
    assert book.apply_leg(FRA_DEN.leg_id, FRA_DEN) == {}
    departed = replace(FRA_DEN, status=FlightStatus.DEPARTED)
    assert book.apply_leg(FRA_DEN.leg_id, departed) == {"p1": "DEN"}
    off_block = replace(DEN_SFO, actual_off_block=T0 + timedelta(hours=12))
    assert book.apply_leg(DEN_SFO.leg_id, off_block) == {"p1": ""}
    assert book.target("p1") == ""


def test_earliest_upcoming_segment_across_bookings_wins() -> None:
    book = TargetBook()
    for x in (FRA_DEN, MUC_LHR):
        book.apply_leg(x.leg_id, x)
    assert book.apply_booking("LATE01", booking("LATE01", ("p1",), MUC_LHR)) == {"p1": "MUC"}
    assert book.apply_booking("EARLY1", booking("EARLY1", ("p1",), FRA_DEN)) == {"p1": "FRA"}
    delayed = replace(FRA_DEN, estimated_departure=T0 + timedelta(hours=6))
    assert book.apply_leg(FRA_DEN.leg_id, delayed) == {"p1": "MUC"}


def test_booking_changes_and_tombstones() -> None:
    book = TargetBook()
    book.apply_booking("ABC123", booking("ABC123", ("p1", "p2"), FRA_DEN))
    # p2 leaves the booking, which is rebooked onto another flight.
    assert book.apply_booking("ABC123", booking("ABC123", ("p1",), MUC_LHR)) == {"p1": "MUC", "p2": ""}
    assert book.apply_leg(FRA_DEN.leg_id, replace(FRA_DEN, status=FlightStatus.DEPARTED)) == {}
    assert book.apply_booking("ABC123", None) == {"p1": ""}
    assert book.apply_booking("ABC123", None) == {}


def test_segment_without_a_usable_origin_is_skipped() -> None:
    book = TargetBook()
    odd = Booking("ODD001", (Passenger("p1"),), (Segment("opaque-leg"), Segment(DEN_SFO.leg_id)))
    assert book.apply_booking("ODD001", odd) == {"p1": "DEN"}
    book.apply_leg("opaque-leg", leg("opaque-leg", "LHR", "FRA", 1))
    assert book.target("p1") == "LHR"

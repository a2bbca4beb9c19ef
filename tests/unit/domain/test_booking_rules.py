"""Issue 13.9: a booking is checked against the schedule it flies on, with field violations."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.batch import UnknownLegError
from rebook.domain.bookings import RECORD_LOCATOR_CHARS, BookingRules, check_booking, shape_violations
from rebook.domain.convert import booking_from_proto, booking_to_proto
from rebook.domain.errors import FieldViolation, ValidationError
from rebook.domain.model import Booking, Cabin, Passenger, Segment
from rebook.optimizer.core import OptimizerSettings
from rebook.optimizer.engine import RebookingEngine
from tests.unit.optimizer.conftest import booking, index, leg

FLIGHT = leg(100, "FRA", "JFK", 0, 480, {Cabin.ECONOMY: 10, Cabin.BUSINESS: 2})
ONWARD = leg(200, "JFK", "BOS", 600, 60, {Cabin.ECONOMY: 10})
LEGS = index(FLIGHT, ONWARD)


def _fields(error: pytest.ExceptionInfo) -> set[str]:
    return {v.field for v in error.value.violations}


def test_a_booking_on_known_legs_in_offered_cabins_passes() -> None:
    check_booking(booking("AAAAA1", (FLIGHT, ONWARD), party=4), LEGS, "bookings[0].")


@pytest.mark.parametrize(
    ("segments", "field"),
    [
        ((Segment(""),), "bookings[0].segments[0].leg_id"),
        ((Segment(FLIGHT.leg_id), Segment(FLIGHT.leg_id)), "bookings[0].segments[1].leg_id"),
        ((Segment(ONWARD.leg_id, Cabin.BUSINESS),), "bookings[0].segments[0].cabin"),
        ((), "bookings[0].segments"),
    ],
    ids=["empty leg", "repeated leg", "cabin the leg lacks", "no segments"],
)
def test_malformed_segments_are_invalid(segments, field) -> None:
    with pytest.raises(ValidationError) as raised:
        check_booking(replace(booking("AAAAA1", (FLIGHT,)), segments=segments), LEGS, "bookings[0].")
    assert field in _fields(raised)


def test_a_leg_not_in_the_schedule_is_a_precondition_not_a_malformed_booking() -> None:
    ghost = replace(FLIGHT, leg_id="RB999-2026-11-23-FRA")
    with pytest.raises(UnknownLegError) as raised:
        check_booking(booking("AAAAA1", (FLIGHT, ghost)), LEGS, "bookings[2].")
    assert _fields(raised) == {"bookings[2].segments[1].leg_id"}
    check_booking(booking("AAAAA1", (FLIGHT, ghost)), None)  # shape alone: fine


def test_the_party_size_is_capped_and_the_cap_is_configurable() -> None:
    with pytest.raises(ValidationError) as raised:
        check_booking(booking("AAAAA1", (FLIGHT,), party=501), LEGS)
    assert _fields(raised) == {"passengers"}
    check_booking(booking("AAAAA1", (FLIGHT,), party=501), LEGS, rules=BookingRules(max_party=600))
    with pytest.raises(ValidationError):
        check_booking(booking("AAAAA1", (FLIGHT,), party=3), LEGS, rules=BookingRules(max_party=2))


def test_a_tier_out_of_range_is_a_field_violation_not_basic() -> None:
    message = booking_to_proto(booking("AAAAA1", (FLIGHT,)))
    message.passengers[0].tier = 99
    with pytest.raises(ValidationError) as raised:
        booking_from_proto(message, "bookings[4].")
    assert _fields(raised) == {"bookings[4].passengers[0].tier"}


def test_the_engine_stores_the_valid_bookings_and_reports_each_refused_one() -> None:
    engine = RebookingEngine(OptimizerSettings())
    for flight in LEGS.values():
        engine.apply_flight(flight)
    published: list[list[str]] = []
    items = [
        booking("GOOD01", (FLIGHT,)),
        booking("BADCB2", (ONWARD,), cabin=Cabin.FIRST),
        booking("GOOD01", (ONWARD,)),  # the same record locator twice in one request
        booking("GOOD03", (ONWARD,)),
    ]
    result = engine.upsert_bookings(items, lambda stored: published.append([b.record_locator for b in stored]))
    assert published == [["GOOD01", "GOOD03"]] and set(engine.bookings) == {"GOOD01", "GOOD03"}
    assert [(r.index, r.item_id) for r in result.rejected] == [(1, "BADCB2"), (2, "GOOD01")]
    assert result.rejected[1].violations[0].field == "bookings[2].record_locator"
    with pytest.raises(ValidationError) as raised:  # all or nothing, when asked
        engine.upsert_bookings([booking("GOOD04", (FLIGHT,)), items[1]], atomic=True)
    assert _fields(raised) == {"bookings[1].segments[0].cabin"} and "GOOD04" not in engine.bookings


def _shape_as_stated(b, field: str, rules: BookingRules) -> list[FieldViolation]:
    """The shape rules as first written (issue 13.9), kept as the oracle for the faster one."""
    out = []
    if not (5 <= len(b.record_locator) <= 8 and set(b.record_locator) <= RECORD_LOCATOR_CHARS):
        out.append(FieldViolation(f"{field}record_locator", "must be 5-8 upper-case letters or digits"))
    if not b.passengers:
        out.append(FieldViolation(f"{field}passengers", "at least one passenger is required"))
    elif b.party_size > rules.max_party:
        out.append(FieldViolation(f"{field}passengers", f"{b.party_size} passengers; at most {rules.max_party}"))
    ids = [p.passenger_id for p in b.passengers]
    if any(not pid for pid in ids) or len(set(ids)) != len(ids):
        out.append(FieldViolation(f"{field}passengers", "passenger ids must be present and unique"))
    if not b.segments:
        out.append(FieldViolation(f"{field}segments", "at least one segment is required"))
    seen: dict[str, int] = {}
    for position, segment in enumerate(b.segments):
        path = f"{field}segments[{position}].leg_id"
        if not segment.leg_id:
            out.append(FieldViolation(path, "must not be empty"))
        elif segment.leg_id in seen:
            out.append(FieldViolation(path, f"repeats segments[{seen[segment.leg_id]}]"))
        seen.setdefault(segment.leg_id, position)
    if b.version < 1:
        out.append(FieldViolation(f"{field}version", "must be 1 or more"))
    return out


@settings(max_examples=300, deadline=None)
@given(
    locator=st.sampled_from(["ABC234", "abc234", "AB", "ABCDEFGH9", "XYZ99", "ÄBCDE", ""]),
    ids=st.lists(st.sampled_from(["p1", "p2", "", "p3"]), max_size=4),
    legs=st.lists(st.sampled_from(["L1", "L2", "", "L3"]), max_size=4),
    version=st.integers(-1, 3),
    max_party=st.integers(1, 3),
)
def test_shape_rules_say_what_they_always_said(locator, ids, legs, version, max_party) -> None:
    b = Booking(locator, tuple(Passenger(i) for i in ids), tuple(Segment(leg_id) for leg_id in legs), version, "RB")
    rules = BookingRules(max_party=max_party)
    assert shape_violations(b, "bookings[3].", rules) == _shape_as_stated(b, "bookings[3].", rules)

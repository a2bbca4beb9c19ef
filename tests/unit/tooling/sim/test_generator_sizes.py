"""The generator's size parameters (issue 18): booked days, location consent, streamed
bookings.  Small parameters only; the airline size itself is exercised by ``rebook bench scale``."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.convert import booking_to_proto
from rebook.tooling.sim.generator import SIZES, SizeProfile, generate, storm_network
from rebook.tooling.sim.generator.storm_events import storm_window
from rebook.tooling.sim.scenario import Scenario
from rebook.tooling.sim.scenario_cli import write_generated


@pytest.fixture
def two_booked_days(monkeypatch):
    """A small network with both days booked and nobody sharing a location."""
    profile = SizeProfile(54, 14, SIZES["small"].fleet, booked_days=2, location_consent=0.0, days=2)
    monkeypatch.setitem(storm_network.SIZES, "tiny-two-days", profile)
    return "tiny-two-days"


def test_airline_size_is_of_a_major_carrier():
    airline = SIZES["airline"]
    assert airline.legs_per_day * 2 >= 20_000  # the storm day and the next
    assert airline.booked_days == 2
    # ~55 bookings per booked leg (the large size's measured rate) puts it above 1.5 M.
    assert airline.legs_per_day * airline.booked_days * 55 >= 1_500_000


def test_booked_days_fill_every_booked_leg_to_its_sold_count(two_booked_days):
    day = generate(seed=3, size=two_booked_days)
    first_day_end = storm_window(day.day)[0] + timedelta(hours=12)
    second_day = {leg.leg_id for leg in day.legs if leg.scheduled_departure >= first_day_end}
    assert second_day and len(second_day) * 2 == len(day.legs)
    seated = Counter()
    for booking in day.bookings:
        for segment in booking.segments:
            seated[(segment.leg_id, segment.cabin)] += booking.party_size
    for leg in day.legs:
        for cabin, sold in leg.sold.items():
            assert seated[(leg.leg_id, cabin)] == sold  # both days, not only the storm day
    assert any(s.leg_id in second_day for b in day.bookings for s in b.segments)


def test_one_booked_day_leaves_the_next_day_to_sold_counts():
    day = generate(seed=3, size="small")
    first_day_end = storm_window(day.day)[0] + timedelta(hours=12)
    second_day = {leg.leg_id for leg in day.legs if leg.scheduled_departure >= first_day_end}
    assert not any(s.leg_id in second_day for b in day.bookings for s in b.segments)


def test_location_consent_share_is_a_size_parameter(two_booked_days):
    day = generate(seed=3, size=two_booked_days)
    assert not day.pings
    assert not any(p.location_consent for b in day.bookings for p in b.passengers)
    assert generate(seed=3, size="small").pings


def test_streamed_bookings_are_the_same_scenario(two_booked_days):
    kept = generate(seed=5, size=two_booked_days)
    streamed_bookings = []
    streamed = generate(seed=5, size=two_booked_days, booking_sink=streamed_bookings.append)
    assert streamed.bookings == []
    assert streamed_bookings == kept.bookings
    assert streamed.legs == kept.legs and streamed.events == kept.events and streamed.pings == kept.pings
    assert streamed.manifest() == kept.manifest()
    assert kept.manifest()["counts"]["bookings"] == len(kept.bookings)


def test_written_folder_holds_the_generated_scenario(tmp_path):
    manifest = write_generated(tmp_path, seed=4, size="small")
    day = generate(seed=4, size="small")
    loaded = Scenario.load(tmp_path)
    assert loaded == day.to_scenario()  # bookings written by the fast writer, read by protobuf
    assert loaded.bookings == [booking_to_proto(b) for b in day.bookings]
    assert manifest["files"]["bookings"] == len(day.bookings) == manifest["counts"]["bookings"]


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="size must be one of"):
        generate(size="galactic")


def test_profile_defaults_keep_the_old_sizes():
    assert all(replace(p, booked_days=1) == p for name, p in SIZES.items() if not name.startswith("airline"))


def test_flight_numbers_stay_four_digits_past_9900_legs_a_day():
    t0 = storm_window(storm_network.DEFAULT_DAY)[0]
    kind = storm_network.AIRCRAFT[0]
    origins = ("DEN", "ORD", "DEN", "LAX")
    plans = [
        storm_network.Plan(
            origins[i % 4], "SFO", t0 + timedelta(minutes=i), t0 + timedelta(minutes=i + 90), "N1", kind, "DEN"
        )
        for i in range(12_000)
    ]
    numbers = storm_network.flight_numbers(plans)
    assert numbers[:9900] == list(range(100, 10_000))  # the sizes below 9,900 legs a day: as before
    assert all(100 <= n <= 9999 for n in numbers)
    keys = [(n, p.origin) for n, p in zip(numbers, plans, strict=True)]
    assert len(set(keys)) == len(keys)  # leg ids (carrier, number, date, origin) stay unique


def test_month_shaped_airline_size_books_every_day():
    month = SIZES["airline-month"]
    assert month.days == month.booked_days == 31
    assert month.legs_per_day * month.days >= 20_000


def test_many_booked_days(monkeypatch):
    week = SizeProfile(54, 14, SIZES["small"].fleet, booked_days=6, days=6)
    monkeypatch.setitem(storm_network.SIZES, "tiny-week", week)
    day = generate(seed=2, size="tiny-week")
    last_day_start = storm_window(day.day)[0] + timedelta(hours=12) + timedelta(days=4)
    assert len({leg.operating_date for leg in day.legs}) >= 6
    late = {leg.leg_id for leg in day.legs if leg.scheduled_departure >= last_day_start}
    assert late and any(s.leg_id in late for b in day.bookings for s in b.segments)

"""The generator's shared parts, on plain data: the weighted draw is ``random.choices``'s, the
feeder search is the scan it replaces, seat filling sells exactly what was left, and the
cancelled flights lie ahead of the clock they are given."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import Booking, Cabin, Passenger, Segment
from rebook.tooling.sim.generator.bookings import Feeders, Travellers, fill_seats
from rebook.tooling.sim.generator.cancelled_flights import make_flight, make_network
from rebook.tooling.sim.generator.drivers import RESTART_KM, drivers_schedule, make_drivers
from rebook.tooling.sim.generator.fleet import AircraftType, Pick, make_leg
from rebook.tooling.sim.generator.geo import coordinates

DAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
SMALL = AircraftType("E75", {Cabin.BUSINESS: 4, Cabin.ECONOMY: 20})


def test_a_pick_is_the_same_draw_as_random_choices() -> None:
    values, weights = ("a", "b", "c", "d"), (52, 26, 9, 3)
    pick = Pick(values, weights)
    ours, theirs = random.Random(5), random.Random(5)
    assert [pick(ours) for _ in range(2000)] == [theirs.choices(values, weights)[0] for _ in range(2000)]


def _hub_day() -> list:
    """Inbound legs into DEN every 20 minutes, outbound legs from it every 30."""
    legs = []
    for i in range(12):
        arrive = T0 + timedelta(minutes=20 * i)
        origin = ("LAX", "SFO", "BOS")[i % 3]
        legs.append(make_leg("RB", 100 + i, DAY, (origin, "DEN"), (arrive - timedelta(hours=2), arrive), SMALL, "N1"))
    for i in range(8):
        depart = T0 + timedelta(minutes=30 * i + 40)
        destination = ("BOS", "ATL")[i % 2]
        legs.append(
            make_leg("RB", 200 + i, DAY, ("DEN", destination), (depart, depart + timedelta(hours=3)), SMALL, "N2")
        )
    return sorted(legs, key=lambda g: g.leg_id)


def test_feeders_are_the_inbound_legs_in_the_connection_window_but_from_the_destination() -> None:
    legs = _hub_day()
    mct, longest = timedelta(minutes=45), timedelta(hours=2)
    feeders = Feeders(legs, {"DEN": mct}, longest)
    for out in (g for g in legs if g.origin == "DEN"):
        scanned = [
            f
            for f in legs
            if f.destination == "DEN"
            and f.origin != out.destination
            and mct <= out.scheduled_departure - f.scheduled_arrival <= longest
        ]
        assert feeders.of(out) == scanned
    assert any(feeders.of(out) for out in legs if out.origin == "DEN")


def test_seat_filling_sells_exactly_what_was_left_with_connections_first() -> None:
    legs = _hub_day()
    left = {(g.leg_id, c): n - 3 for g in legs for c, n in g.capacity.items()}
    wanted = dict(left)
    made = Counter()

    def book(rng: random.Random, size: int, segments: tuple[Segment, ...], cabin: Cabin) -> Booking:
        made["bookings"] += 1
        pax = tuple(Passenger(f"p{made['bookings']}-{k}") for k in range(size))
        return Booking(f"L{made['bookings']:05d}", pax, segments)

    travellers = Travellers(lambda rng, seats: seats // 2, Pick((1, 2, 3), (1, 1, 1)), book)
    feeders = Feeders(legs, {"DEN": timedelta(minutes=45)}, timedelta(hours=3))
    bookings = list(fill_seats(random.Random(2), legs, left, feeders, travellers))
    seated = Counter()
    for booking in bookings:
        for segment in booking.segments:
            seated[(segment.leg_id, segment.cabin)] += booking.party_size
    assert seated == Counter(wanted) and not any(left.values())
    assert any(len(b.segments) == 2 for b in bookings) and any(len(b.segments) == 1 for b in bookings)


def test_the_e2e_flight_leaves_the_day_after_the_clock_it_is_given() -> None:
    flight = make_flight(25, seed=7, now=datetime(2030, 5, 1, 22, 0, tzinfo=UTC))
    assert flight.cancelled.scheduled_departure == datetime(2030, 5, 2, 9, 0, tzinfo=UTC)
    assert len(flight.passenger_ids) == 25 and len(flight.later) == 3
    assert all(g.free_seats(Cabin.ECONOMY) >= 25 // 2 for g in flight.later)
    same_seed = make_flight(25, seed=7, now=datetime(2030, 5, 1, 22, 0, tzinfo=UTC))
    assert [b.party_size for b in same_seed.bookings] == [b.party_size for b in flight.bookings]


def test_the_fault_networks_flights_lie_ahead_of_the_clock_they_are_given() -> None:
    now = datetime(2030, 5, 1, 22, 0, tzinfo=UTC)
    network = make_network(3, cancelled=2, bookings_per_leg=5, now=now)
    assert [g.scheduled_departure.hour for g in network.cancelled] == [8, 9]
    assert all(g.operating_date == date(2030, 5, 2) for g in network.legs.values())
    assert len(network.affected()) == 10 and len(network.later) == 5


def test_drivers_come_closer_to_their_airport_and_are_booked_out_of_it() -> None:
    drivers = make_drivers("r1", 30, random.Random(7))
    legs, bookings = drivers_schedule(drivers, datetime(2030, 5, 1, 22, 0, 12, 345, tzinfo=UTC))
    assert [g.leg_id for g in legs[:2]] == ["BX1-2030-05-02-DEN", "BX2-2030-05-02-ORD"]
    assert legs[0].scheduled_departure == datetime(2030, 5, 2, 4, 0, 12, tzinfo=UTC)
    by_id = {g.leg_id: g for g in legs}
    for driver, booking in zip(drivers, bookings, strict=True):
        assert booking.passengers[0].passenger_id == driver.passenger_id
        home = coordinates(by_id[booking.segments[0].leg_id].origin)
        assert (driver.lat0, driver.lon0) == home
    first = drivers[0]
    before = first.km
    first.step(0.5)
    assert first.km == before - 0.5
    first.km = 0.2
    first.step(0.5)
    assert first.km == RESTART_KM  # there: start over far away

"""Explanations from the route index (issue 18.2) say exactly what the scan of every leg said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.model import Cabin, FlightLeg, FlightStatus
from rebook.optimizer.core import Affected, Reason
from rebook.optimizer.core.candidate import Candidate
from rebook.optimizer.core.explain import FlightsByRoute, RouteIndex, _earlier_full, explain, local_time

from .conftest import T0, booking, index, leg

AIRPORTS = ("DEN", "ORD", "LAX")


def scanned_earlier_full(a: Affected, chosen: Candidate, flights: Mapping[str, FlightLeg]) -> str:
    """The explanation helper as it was: a scan of every leg for every seated booking."""
    earlier = [
        leg
        for leg in flights.values()
        if leg.origin == a.at_airport
        and leg.destination == a.destination
        and not leg.cancelled
        and a.ready <= leg.departure < chosen.departure
        and not leg.departed
    ]
    if not earlier:
        return ""
    last = max(earlier, key=lambda leg: (leg.departure, leg.leg_id))
    return local_time(last.departure, last.origin)


def _affected(origin: str, destination: str, ready_min: int, flights: Mapping[str, FlightLeg]) -> Affected:
    first = next(iter(flights.values()))
    b = booking("ABCDE", (first,), party=2)
    return Affected(
        b,
        Reason.CANCELLED,
        origin,
        T0 + timedelta(minutes=ready_min),
        destination,
        first.arrival,
        (),
        b.segments,
        first.leg_id,
        1.0,
    )


def _candidate(target: FlightLeg, departure_min: int) -> Candidate:
    departure = T0 + timedelta(minutes=departure_min)
    return Candidate(((booking("ABCDE", (target,)).segments[0]),), departure, departure, 0, 0, False, 0.0)


legs_strategy = st.lists(
    st.tuples(
        st.sampled_from(AIRPORTS),
        st.sampled_from(AIRPORTS),
        st.integers(0, 600),  # scheduled departure, minutes after T0
        st.sampled_from(("scheduled", "cancelled", "departed", "late", "early-off")),
    ),
    min_size=1,
    max_size=30,
)


def _build(specs) -> dict[str, FlightLeg]:
    out = []
    for number, (origin, destination, minute, state) in enumerate(specs, start=1):
        g = leg(number, origin, destination, minute)
        if state == "cancelled":
            g = replace(g, status=FlightStatus.CANCELLED)
        elif state == "departed":
            g = replace(g, status=FlightStatus.DEPARTED)
        elif state == "late":
            g = replace(g, estimated_departure=g.scheduled_departure + timedelta(minutes=95))
        elif state == "early-off":
            g = replace(g, actual_off_block=g.scheduled_departure - timedelta(minutes=3))
        out.append(g)
    return index(*out)


@settings(max_examples=300, deadline=None)
@given(
    legs_strategy,
    st.sampled_from(AIRPORTS),
    st.sampled_from(AIRPORTS),
    st.integers(-30, 600),
    st.integers(0, 700),
)
def test_index_finds_what_the_scan_found(specs, origin, destination, ready_min, chosen_min):
    flights = _build(specs)
    a = _affected(origin, destination, ready_min, flights)
    chosen = _candidate(next(iter(flights.values())), chosen_min)
    expected = scanned_earlier_full(a, chosen, flights)
    assert _earlier_full(a, chosen, flights) == expected  # a plain mapping: an index of its own
    assert _earlier_full(a, chosen, FlightsByRoute(flights)) == expected


def test_whole_explanation_is_the_same_text():
    flights = index(
        leg(1, "DEN", "ORD", 30, seats={Cabin.ECONOMY: 5}),
        leg(2, "DEN", "ORD", 90),
        leg(3, "DEN", "ORD", 150),
        replace(leg(4, "DEN", "ORD", 120), status=FlightStatus.CANCELLED),
        leg(5, "DEN", "LAX", 100),
    )
    a = _affected("DEN", "ORD", 0, flights)
    chosen = _candidate(flights["RB3-2026-11-23-DEN"], 150)
    text = explain(a, chosen, FlightsByRoute(flights))
    assert text == explain(a, chosen, flights)
    assert "the 06:30 was full in economy" in text  # leg 2 (13:30 UTC, Denver time), not cancelled leg 4


def test_index_is_built_once_per_snapshot():
    flights = FlightsByRoute(index(leg(1, "DEN", "ORD", 30)))
    assert flights.routes is flights.routes
    assert isinstance(flights.routes, RouteIndex)
    assert flights.routes.last_departing("ORD", "DEN", T0, T0 + timedelta(days=1)) is None

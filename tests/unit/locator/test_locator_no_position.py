"""Issue 12.2: repeated GetProximity answers must not locate the passenger.

The attack: ask one passenger's proximity against several airports and solve for the position
by least squares.  With whole-km answers against seven nearby airports it lands within a km;
with the API's answers (only the passenger's booked airports, distances in DISTANCE_STEP_KM
steps, times in TIME_STEP) its error is no better than the step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from rebook.domain.airport_index import default_index, haversine_km
from rebook.locator.core.proximity import DISTANCE_STEP_KM, TIME_STEP, coarsen
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.core.validation import LocationPing

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WHERE = (50.2, 8.9)  # east of Frankfurt, between FRA and the smaller airports around it
NEARBY = ("FRA", "HHN", "SCN", "STR", "CGN", "NUE", "FKB")
BOOKED = frozenset({"FRA", "MUC", "JFK"})  # origin, connection, destination of their bookings


def _tracker() -> ProximityTracker:
    tracker = ProximityTracker(index=default_index())
    tracker.report(LocationPing("pax-1", *WHERE, NOW, True), NOW)
    return tracker


def _least_squares(rings: list[tuple[str, float]]) -> tuple[float, float]:
    """The attacker's best position for ``(airport, distance_km)`` answers: a 1 km grid search."""
    index = default_index()
    centres = [index.lookup(code) for code in (code for code, _ in rings)]
    lats, lons = np.meshgrid(np.arange(47.0, 53.0, 0.01), np.arange(5.0, 13.0, 0.014), indexing="ij")
    error = np.zeros_like(lats)
    for airport, (_, distance) in zip(centres, rings, strict=True):
        assert airport is not None
        error += (_haversine_grid(lats, lons, airport.latitude, airport.longitude) - distance) ** 2
    row, column = np.unravel_index(np.argmin(error), error.shape)
    return float(lats[row, column]), float(lons[row, column])


def _haversine_grid(lats, lons, lat: float, lon: float):
    p1, p2 = np.radians(lats), np.radians(lat)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - lons) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def test_whole_km_answers_from_seven_airports_located_the_passenger() -> None:
    tracker = _tracker()
    rings = [(code, tracker.proximity("pax-1", code, NOW).distance_km) for code in NEARBY]
    guess = _least_squares(rings)
    assert haversine_km(*guess, *WHERE) < 2.0  # the attack of issue 12.2 (it found 0.37 km)


def _answers(position: tuple[float, float]) -> list:
    tracker = ProximityTracker(index=default_index())
    tracker.report(LocationPing("pax-1", *position, NOW, True), NOW)
    return [coarsen(tracker.proximity("pax-1", code, NOW), BOOKED) for code in sorted(BOOKED)]


def test_coarse_answers_on_booked_airports_do_not() -> None:
    """Every position that gets exactly the same answers is as good a guess as the true one;
    they spread over more than the step (checked on a ~5 km grid around the passenger)."""
    truth = _answers(WHERE)
    assert all(a.distance_km % DISTANCE_STEP_KM == 0 and a.time_to_gate % TIME_STEP == timedelta(0) for a in truth)
    assert all(a.nearest_airport in ("", *BOOKED) for a in truth)
    grid = [(lat, lon) for lat in np.arange(49.4, 51.0, 0.05) for lon in np.arange(7.8, 10.0, 0.07)]
    alike = [p for p in grid if _answers(p) == truth]
    spread = max(haversine_km(*p, *WHERE) for p in alike)
    assert spread >= DISTANCE_STEP_KM, spread

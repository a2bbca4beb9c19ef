from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.airport_index import (
    EARTH_RADIUS_KM,
    Airport,
    AirportIndex,
    AirportSize,
    haversine_km,
    load_airports,
    size_of,
)

FRA_APRON = (50.0379, 8.5622)
DEN_TERMINAL = (39.8561, -104.6737)

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


AIRPORTS = load_airports()
LATS = np.radians([a.latitude for a in AIRPORTS])
LONS = np.radians([a.longitude for a in AIRPORTS])


def brute_nearest_km(index: AirportIndex, lat: float, lon: float) -> float:
    """Reference: haversine to every airport (vectorised), smallest wins."""
    p, q = np.radians(lat), np.radians(lon)
    h = np.sin((LATS - p) / 2) ** 2 + np.cos(p) * np.cos(LATS) * np.sin((LONS - q) / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h.min())))


def test_haversine_known_distances() -> None:
    assert haversine_km(0, 0, 0, 90) == pytest.approx(EARTH_RADIUS_KM * 3.141592653589793 / 2)
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)
    # London Heathrow - New York JFK, published great-circle distance ~5,540 km.
    assert haversine_km(51.4700, -0.4543, 40.6413, -73.7781) == pytest.approx(5540, abs=10)
    assert haversine_km(10, 20, 10, 20) == 0.0
    assert haversine_km(0, 0, 0, 180) == pytest.approx(EARTH_RADIUS_KM * 3.141592653589793)


def test_only_real_iata_codes(index: AirportIndex) -> None:
    assert len(index) > 5000
    assert all(len(a.iata) == 3 and a.iata.isalpha() and a.iata.isupper() for a in AIRPORTS)
    fra = index.lookup("FRA")
    assert fra is not None and fra.tz == "Europe/Berlin" and fra.size == AirportSize.LARGE
    assert index.lookup("ZZZ") is None and index.lookup("fra") is None
    assert "DEN" in index and "" not in index


def test_sizes_curated() -> None:
    assert size_of("ATL") == AirportSize.LARGE
    assert size_of("ZRH") == AirportSize.MEDIUM
    assert size_of("OCA") == AirportSize.SMALL


def test_nearest_known_points(index: AirportIndex) -> None:
    code, km = index.nearest(*FRA_APRON)
    assert code == "FRA" and km < 3
    assert index.nearest(*DEN_TERMINAL)[0] == "DEN"
    assert index.nearest(48.8566, 2.3522)[0] in {"CDG", "ORY", "LBG"}  # central Paris


@pytest.mark.parametrize("lat, lon", [(90, 180), (-90, -180), (90, -180), (-90, 180), (0, 180), (0, -180)])
def test_nearest_at_grid_edges(index: AirportIndex, lat: float, lon: float) -> None:
    _, km = index.nearest(lat, lon)
    assert km == pytest.approx(brute_nearest_km(index, lat, lon))


@settings(max_examples=300, deadline=None)
@given(lat=latitudes, lon=longitudes)
def test_nearest_matches_brute_force(index: AirportIndex, lat: float, lon: float) -> None:
    _, km = index.nearest(lat, lon)
    assert km == pytest.approx(brute_nearest_km(index, lat, lon), abs=1e-6)


def test_nearest_matches_brute_force_near_airports(index: AirportIndex) -> None:
    # Dense areas are where a wrong candidate list would show; sample around real airports.
    rnd = random.Random(7)
    for _ in range(1000):
        a = rnd.choice(AIRPORTS)
        lat = max(-90.0, min(90.0, a.latitude + rnd.uniform(-0.7, 0.7)))
        lon = (a.longitude + rnd.uniform(-0.7, 0.7) + 180) % 360 - 180
        assert index.nearest(lat, lon)[1] == pytest.approx(brute_nearest_km(index, lat, lon), abs=1e-6)


def test_small_index() -> None:
    one = Airport("AAA", "A", "XX", 10.0, 10.0, "UTC", AirportSize.SMALL)
    two = Airport("BBB", "B", "XX", -10.0, -170.0, "UTC", AirportSize.SMALL)
    index = AirportIndex([one, two])
    assert index.nearest(11, 11)[0] == "AAA"
    assert index.nearest(-9, 179)[0] == "BBB"  # across the antimeridian
    with pytest.raises(ValueError):
        AirportIndex([])

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rebook.domain.airport_index import AirportIndex, AirportSize
from rebook.domain.model import ProximityBand
from rebook.locator.core.proximity import NO_PING_TIME, band_for, estimate, time_to_gate, travel_time, unknown
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.validation import LocationPing

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DEN_TERMINAL = (39.8561, -104.6737)


def make_ping(lat: float, lon: float, when: datetime = NOW, pid: str = "pax-1", consent: bool = True) -> LocationPing:
    return LocationPing(passenger_id=pid, latitude=lat, longitude=lon, ping_time=when, consent=consent)


SETTINGS = LocatorSettings()
MIN = timedelta(minutes=1)


@pytest.mark.parametrize(
    "km, size, band",
    [
        (4.9, AirportSize.LARGE, ProximityBand.AT_AIRPORT),
        (4.9, AirportSize.MEDIUM, ProximityBand.NEARBY),
        (2.9, AirportSize.MEDIUM, ProximityBand.AT_AIRPORT),
        (2.1, AirportSize.SMALL, ProximityBand.NEARBY),
        (60.0, AirportSize.LARGE, ProximityBand.NEARBY),
        (60.1, AirportSize.LARGE, ProximityBand.FAR),
    ],
)
def test_band_radius_scales_with_size(km: float, size: AirportSize, band: ProximityBand) -> None:
    assert band_for(km, size, SETTINGS) == band


def test_travel_time_piecewise_and_monotonic() -> None:
    assert travel_time(30, SETTINGS) == 60 * MIN  # 30 km at 30 km/h
    assert travel_time(120, SETTINGS) == 180 * MIN  # 60 km at 30 km/h + 60 km at 60 km/h
    times = [travel_time(km / 2, SETTINGS) for km in range(400)]
    assert times == sorted(times)


def test_time_to_gate_adds_allowance_by_size() -> None:
    far = ProximityBand.FAR
    assert time_to_gate(far, 120, AirportSize.LARGE, timedelta(0), SETTINGS) == (180 + 45) * MIN
    assert time_to_gate(far, 120, AirportSize.MEDIUM, timedelta(0), SETTINGS) == (180 + 30) * MIN
    assert time_to_gate(far, 120, AirportSize.SMALL, timedelta(0), SETTINGS) == (180 + 20) * MIN


def test_at_airport_only_remainder_of_allowance() -> None:
    at = ProximityBand.AT_AIRPORT
    assert time_to_gate(at, 1, AirportSize.LARGE, timedelta(0), SETTINGS) == 45 * MIN
    assert time_to_gate(at, 1, AirportSize.LARGE, 20 * MIN, SETTINGS) == 25 * MIN
    assert time_to_gate(at, 1, AirportSize.LARGE, 3 * timedelta(hours=1), SETTINGS) == timedelta(0)


def test_estimate_is_coarse(index: AirportIndex) -> None:
    den = index.lookup("DEN")
    ping = make_ping(39.7392, -104.9903, NOW)  # downtown Denver, ~37 km out
    prox = estimate(ping, "BFK", den, SETTINGS, now=NOW)
    assert prox.band == ProximityBand.NEARBY
    assert prox.distance_km == float(round(prox.distance_km)) and 30 <= prox.distance_km <= 45
    assert prox.time_to_gate % MIN == timedelta(0)
    assert prox.time_to_gate == timedelta(hours=prox.distance_km / 30) + 45 * MIN
    assert prox.target_airport == "DEN" and prox.nearest_airport == "BFK" and not prox.stale
    assert "39.7" not in repr(ping) and "104" not in repr(ping)


def test_estimate_at_airport_with_dwell(index: AirportIndex) -> None:
    den = index.lookup("DEN")
    ping = make_ping(*DEN_TERMINAL, NOW)
    prox = estimate(ping, "DEN", den, SETTINGS, now=NOW, at_airport_since=NOW - 15 * MIN)
    assert prox.band == ProximityBand.AT_AIRPORT and prox.time_to_gate == 30 * MIN


def test_unknown_without_target_or_ping(index: AirportIndex) -> None:
    no_target = estimate(make_ping(*DEN_TERMINAL), "DEN", None, SETTINGS, now=NOW)
    assert no_target.band == ProximityBand.UNKNOWN and no_target.target_airport == ""
    assert no_target.nearest_airport == "DEN"
    no_ping = unknown("pax-1", "DEN")
    assert no_ping.band == ProximityBand.UNKNOWN and no_ping.stale and no_ping.ping_time == NO_PING_TIME


def test_stale_after_setting(index: AirportIndex) -> None:
    den = index.lookup("DEN")
    ping = make_ping(*DEN_TERMINAL, NOW - 16 * MIN)
    assert estimate(ping, "DEN", den, SETTINGS, now=NOW).stale
    assert not estimate(ping, "DEN", den, LocatorSettings(stale_after=20 * MIN), now=NOW).stale
    assert not estimate(make_ping(*DEN_TERMINAL, NOW + MIN), "DEN", den, SETTINGS, now=NOW).stale


def test_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        LocatorSettings(stale_after=-MIN)
    with pytest.raises(ValueError):
        LocatorSettings(far_speed_kmh=0)
    with pytest.raises(ValueError):
        LocatorSettings(curb_to_gate={AirportSize.LARGE: MIN})

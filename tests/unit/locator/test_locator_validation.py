from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from rebook.domain.airport_index import AirportIndex
from rebook.domain.errors import PermissionDeniedError, ValidationError
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.validation import LocationPing, require_airport, validate_passenger_id, validate_ping

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FRA_APRON = (50.0379, 8.5622)


def make_ping(lat: float, lon: float, when: datetime = NOW, pid: str = "pax-1", consent: bool = True) -> LocationPing:
    return LocationPing(passenger_id=pid, latitude=lat, longitude=lon, ping_time=when, consent=consent)


SETTINGS = LocatorSettings()


def fields(ping: LocationPing) -> set[str]:
    with pytest.raises(ValidationError) as err:
        validate_ping(ping, SETTINGS, NOW)
    return {v.field for v in err.value.violations}


def test_valid_ping_passes() -> None:
    validate_ping(make_ping(*FRA_APRON), SETTINGS, NOW)
    validate_ping(make_ping(90, -180, NOW + timedelta(minutes=2)), SETTINGS, NOW)
    validate_ping(make_ping(-90, 180, NOW - timedelta(hours=23)), SETTINGS, NOW)


@pytest.mark.parametrize("lat", [90.0001, -91, math.nan, math.inf, -math.inf])
def test_bad_latitude(lat: float) -> None:
    assert fields(make_ping(lat, 8.0)) == {"ping.latitude"}


@pytest.mark.parametrize("lon", [180.5, -181, math.nan, math.inf])
def test_bad_longitude(lon: float) -> None:
    assert fields(make_ping(50.0, lon)) == {"ping.longitude"}


@pytest.mark.parametrize(
    "when",
    [NOW + timedelta(minutes=2, seconds=1), NOW - timedelta(hours=24, seconds=1), datetime(2026, 11, 23, 12)],
)
def test_bad_ping_time(when: datetime) -> None:
    assert fields(make_ping(*FRA_APRON, when)) == {"ping.ping_time"}


@pytest.mark.parametrize("pid", ["", "   ", "x" * 129])
def test_bad_passenger_id(pid: str) -> None:
    assert fields(make_ping(*FRA_APRON, pid=pid)) == {"ping.passenger_id"}


def test_all_violations_reported_without_echoing_coordinates() -> None:
    ping = make_ping(123.456, -654.321, NOW + timedelta(hours=1), pid="")
    with pytest.raises(ValidationError) as err:
        validate_ping(ping, SETTINGS, NOW)
    got = {v.field for v in err.value.violations}
    assert got == {"ping.latitude", "ping.longitude", "ping.ping_time", "ping.passenger_id"}
    assert "123.456" not in str(err.value) and "654.321" not in str(err.value)


def test_no_consent_is_permission_denied() -> None:
    with pytest.raises(PermissionDeniedError):
        validate_ping(make_ping(*FRA_APRON, consent=False), SETTINGS, NOW)


def test_unknown_airport(index: AirportIndex) -> None:
    assert require_airport("FRA", index).iata == "FRA"
    with pytest.raises(ValidationError) as err:
        require_airport("QQQ", index)
    assert [v.field for v in err.value.violations] == ["airport"]


def test_passenger_id_field_name() -> None:
    with pytest.raises(ValidationError) as err:
        validate_passenger_id("")
    assert [v.field for v in err.value.violations] == ["passenger_id"]

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.airport_index import AirportIndex
from rebook.domain.errors import PermissionDeniedError, ValidationError
from rebook.domain.model import Proximity, ProximityBand
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.core.validation import LocationPing

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FRA_APRON = (50.0379, 8.5622)
DEN_TERMINAL = (39.8561, -104.6737)


def make_ping(lat: float, lon: float, when: datetime = NOW, pid: str = "pax-1", consent: bool = True) -> LocationPing:
    return LocationPing(passenger_id=pid, latitude=lat, longitude=lon, ping_time=when, consent=consent)


MIN = timedelta(minutes=1)
EAST_OF_DEN = (39.8617, -102.9)  # ~150 km east of DEN on I-70


@pytest.fixture
def tracker(index: AirportIndex) -> ProximityTracker:
    t = ProximityTracker(LocatorSettings(), index)
    t.set_target("pax-1", "DEN", NOW)
    return t


def drive_to_den(tracker: ProximityTracker, steps: int = 150) -> tuple[list[Proximity], list[Proximity]]:
    """Pings every minute along a straight line into DEN, then 20 minutes waiting there."""
    (lat0, lon0), (lat1, lon1) = EAST_OF_DEN, DEN_TERMINAL
    path = [(lat0 + (lat1 - lat0) * i / steps, lon0 + (lon1 - lon0) * i / steps) for i in range(steps + 1)]
    path += [DEN_TERMINAL] * 20
    published, observed = [], []
    for i, (lat, lon) in enumerate(path):
        now = NOW + MIN * i
        out = tracker.report(make_ping(lat, lon, now), now)
        if out is not None:
            published.append(out)
        observed.append(tracker.proximity("pax-1", "", now))
    return published, observed


def test_drive_into_den_time_to_gate_falls(tracker: ProximityTracker) -> None:
    published, observed = drive_to_den(tracker)
    bands = [p.band for p in observed]
    assert bands[0] == ProximityBand.FAR and bands[-1] == ProximityBand.AT_AIRPORT
    assert bands == sorted(bands, reverse=True)  # FAR -> NEARBY -> AT_AIRPORT, never back
    times = [p.time_to_gate for p in observed]
    assert times == sorted(times, reverse=True)
    assert times[0] > timedelta(hours=2) and times[-1] < 45 * MIN  # allowance shrinks while there
    # Debounced: every band change is published, but far fewer messages than pings.
    assert {ProximityBand.FAR, ProximityBand.NEARBY, ProximityBand.AT_AIRPORT} <= {p.band for p in published}
    assert len(published) < len(observed) // 3
    assert published[-1].time_to_gate < 45 * MIN


def test_first_ping_publishes_small_moves_do_not(tracker: ProximityTracker) -> None:
    first = tracker.report(make_ping(39.7392, -104.9903, NOW), NOW)
    assert first is not None and first.band == ProximityBand.NEARBY and first.target_airport == "DEN"
    later = NOW + MIN
    assert tracker.report(make_ping(39.7400, -104.9900, later), later) is None


def test_band_change_publishes(tracker: ProximityTracker) -> None:
    tracker.report(make_ping(39.8561, -104.75, NOW), NOW)  # ~6.6 km out: NEARBY, 58 min
    later = NOW + MIN
    out = tracker.report(make_ping(*DEN_TERMINAL, later), later)
    assert out is not None and out.band == ProximityBand.AT_AIRPORT


def test_band_change_publishes_even_below_step(index: AirportIndex) -> None:
    t = ProximityTracker(LocatorSettings(debounce_step=timedelta(hours=5)), index)
    t.set_target("pax-1", "DEN", NOW)
    assert t.report(make_ping(39.8617, -104.56, NOW), NOW).band == ProximityBand.NEARBY
    assert t.report(make_ping(39.8617, -104.60, NOW + MIN), NOW + MIN) is None
    assert t.report(make_ping(*DEN_TERMINAL, NOW + 2 * MIN), NOW + 2 * MIN).band == ProximityBand.AT_AIRPORT


def test_refresh_after_republishes_unchanged(tracker: ProximityTracker) -> None:
    assert tracker.report(make_ping(*DEN_TERMINAL, NOW), NOW) is not None
    assert tracker.report(make_ping(*DEN_TERMINAL, NOW + 2 * MIN), NOW + 2 * MIN) is None
    again = tracker.report(make_ping(*DEN_TERMINAL, NOW + 10 * MIN), NOW + 10 * MIN)
    assert again is not None and again.ping_time == NOW + 10 * MIN


def test_target_change_publishes(tracker: ProximityTracker) -> None:
    tracker.report(make_ping(*DEN_TERMINAL, NOW), NOW)
    assert tracker.set_target("pax-1", "DEN", NOW) is None
    moved = tracker.set_target("pax-1", "COS", NOW)
    assert moved is not None and moved.target_airport == "COS" and moved.band == ProximityBand.FAR
    cleared = tracker.set_target("pax-1", "", NOW)
    assert cleared is not None and cleared.band == ProximityBand.UNKNOWN
    with pytest.raises(ValidationError):
        tracker.set_target("pax-1", "QQQ", NOW)


def test_without_target_unknown_but_nearest_known(index: AirportIndex) -> None:
    t = ProximityTracker(LocatorSettings(), index)
    out = t.report(make_ping(*FRA_APRON), NOW)
    assert out is not None and out.band == ProximityBand.UNKNOWN and out.nearest_airport == "FRA"
    assert t.proximity("pax-1", "FRA", NOW).band == ProximityBand.AT_AIRPORT
    assert t.proximity("nobody", "FRA", NOW).band == ProximityBand.UNKNOWN


def test_consent_refused_keeps_nothing(tracker: ProximityTracker) -> None:
    with pytest.raises(PermissionDeniedError):
        tracker.report(make_ping(*DEN_TERMINAL, consent=False), NOW)
    assert tracker.tracked_count == 0


def test_invalid_ping_rejected(tracker: ProximityTracker) -> None:
    with pytest.raises(ValidationError):
        tracker.report(make_ping(95.0, 0.0), NOW)
    with pytest.raises(ValidationError):
        tracker.proximity("pax-1", "QQQ", NOW)
    assert tracker.tracked_count == 0


def test_out_of_order_ping_ignored(tracker: ProximityTracker) -> None:
    tracker.report(make_ping(*DEN_TERMINAL, NOW), NOW)
    assert tracker.report(make_ping(*EAST_OF_DEN, NOW - MIN), NOW) is None
    assert tracker.proximity("pax-1", "", NOW).band == ProximityBand.AT_AIRPORT


def test_forget(tracker: ProximityTracker) -> None:
    tracker.report(make_ping(*DEN_TERMINAL), NOW)
    assert tracker.tracked_count == 1
    assert tracker.forget("pax-1") is True
    assert tracker.tracked_count == 0
    assert tracker.proximity("pax-1", "", NOW).band == ProximityBand.UNKNOWN
    assert tracker.proximity("pax-1", "", NOW).target_airport == ""  # the target went too
    assert tracker.forget("pax-1") is False
    # After forgetting, the next ping publishes again from scratch.
    assert tracker.report(make_ping(*DEN_TERMINAL, NOW + MIN), NOW + MIN) is not None


def test_expire_enforces_retention(tracker: ProximityTracker) -> None:
    tracker.report(make_ping(*DEN_TERMINAL, NOW - timedelta(hours=2), pid="old"), NOW)
    tracker.report(make_ping(*DEN_TERMINAL, NOW + 2 * MIN, pid="new"), NOW + 2 * MIN)
    assert tracker.expire(NOW + timedelta(hours=22)) == []
    assert tracker.expire(NOW + timedelta(hours=22, minutes=1)) == ["old"]
    assert tracker.tracked_count == 1
    assert tracker.proximity("pax-1", "", NOW).target_airport == "DEN"  # bookings-fed target kept


def test_mark_stale_once(tracker: ProximityTracker) -> None:
    tracker.report(make_ping(*DEN_TERMINAL, NOW), NOW)
    assert tracker.mark_stale(NOW + 15 * MIN) == []
    stale = tracker.mark_stale(NOW + 16 * MIN)
    assert [(p.passenger_id, p.stale) for p in stale] == [("pax-1", True)]
    assert tracker.mark_stale(NOW + 17 * MIN) == []
    assert tracker.proximity("pax-1", "", NOW + 16 * MIN).stale
    fresh = tracker.report(make_ping(*DEN_TERMINAL, NOW + 17 * MIN), NOW + 17 * MIN)
    assert fresh is not None and not fresh.stale  # coming back fresh is published


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
    target=st.sampled_from(["DEN", "FRA", "SIN", "OCA", "ZRH", ""]),
)
def test_any_valid_position_has_nearest_and_nonnegative_time(
    index: AirportIndex, lat: float, lon: float, target: str
) -> None:
    t = ProximityTracker(LocatorSettings(), index)
    t.set_target("pax-1", target, NOW)
    out = t.report(make_ping(lat, lon), NOW)
    assert out is not None and out.nearest_airport in index
    assert out.time_to_gate >= timedelta(0) and out.distance_km >= 0
    assert (out.band == ProximityBand.UNKNOWN) == (target == "")


def test_concurrent_reports_are_consistent(index: AirportIndex) -> None:
    t = ProximityTracker(LocatorSettings(), index)

    def worker(n: int) -> None:
        for i in range(300):
            when = NOW + timedelta(seconds=i)
            t.report(make_ping(39.0 + i / 1000, -104.0, when, pid=f"p{n}-{i % 50}"), when)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert t.tracked_count == 200

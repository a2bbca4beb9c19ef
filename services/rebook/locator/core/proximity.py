"""From one ping and a target airport to a coarse ``Proximity`` (pure functions).

What is published is coarse on purpose: distance in whole km, time-to-gate in whole
minutes computed from that rounded distance, so the output cannot be inverted to a
position more precise than the nearest-airport and km ring it already states.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rebook.domain.airport_index import Airport, AirportSize, haversine_km
from rebook.domain.model import Proximity, ProximityBand
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.validation import LocationPing

NO_PING_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # protobuf's unset Timestamp


def band_for(distance_km: float, size: AirportSize, settings: LocatorSettings) -> ProximityBand:
    """AT_AIRPORT within the size's radius, NEARBY up to ``nearby_km``, FAR beyond."""
    if distance_km <= settings.at_airport_km[size]:
        return ProximityBand.AT_AIRPORT
    if distance_km <= settings.nearby_km:
        return ProximityBand.NEARBY
    return ProximityBand.FAR


def travel_time(distance_km: float, settings: LocatorSettings) -> timedelta:
    """Door-to-curb time: the last ``nearby_km`` at city speed, anything beyond at highway speed.

    Piecewise rather than one speed per band so that the estimate never drops as a
    passenger moves away (a single speed per band would jump down at the band edge).
    """
    near = min(distance_km, settings.nearby_km)
    far = distance_km - near
    return timedelta(hours=near / settings.nearby_speed_kmh + far / settings.far_speed_kmh)


def time_to_gate(
    band: ProximityBand, distance_km: float, size: AirportSize, dwell: timedelta, settings: LocatorSettings
) -> timedelta:
    """Travel plus curb-to-gate allowance; at the airport, only what is left of the allowance.

    ``dwell`` is how long the passenger has already been at the airport: that time went
    into getting through it, so it is taken off the allowance (never below zero).
    """
    allowance = settings.curb_to_gate[size]
    if band == ProximityBand.AT_AIRPORT:
        return _whole_minutes(max(timedelta(0), allowance - dwell))
    return _whole_minutes(travel_time(distance_km, settings) + allowance)


def estimate(
    ping: LocationPing,
    nearest_airport: str,
    target: Airport | None,
    settings: LocatorSettings,
    *,
    now: datetime,
    at_airport_since: datetime | None = None,
) -> Proximity:
    """The proximity of a validated ping to ``target`` (UNKNOWN without a target).

    ``nearest_airport`` comes from ``AirportIndex.nearest`` (kept out so the caller can do
    that lookup outside its lock); ``at_airport_since`` is the ping time at which the
    passenger was first seen at ``target`` in the current visit, if any.
    """
    stale = is_stale(ping.ping_time, now, settings)
    if target is None:
        return Proximity(
            ping.passenger_id,
            nearest_airport,
            "",
            ProximityBand.UNKNOWN,
            0.0,
            timedelta(0),
            ping.ping_time,
            stale,
        )
    exact_km = haversine_km(ping.latitude, ping.longitude, target.latitude, target.longitude)
    band = band_for(exact_km, target.size, settings)
    distance_km = float(round(exact_km))
    dwell = ping.ping_time - (at_airport_since or ping.ping_time)
    return Proximity(
        passenger_id=ping.passenger_id,
        nearest_airport=nearest_airport,
        target_airport=target.iata,
        band=band,
        distance_km=distance_km,
        time_to_gate=time_to_gate(band, distance_km, target.size, dwell, settings),
        ping_time=ping.ping_time,
        stale=stale,
    )


# What a GetProximity answer states: the band, the distance in DISTANCE_STEP_KM steps (lower
# edge) and the time to the gate rounded up to TIME_STEP.  Whole km and minutes from several
# airports located a person to ~0.4 km by least squares (issue 12.2); steps this wide do not.
DISTANCE_STEP_KM = 25.0
TIME_STEP = timedelta(hours=1)


def coarsen(proximity: Proximity, airports: frozenset[str] | set[str]) -> Proximity:
    """``proximity`` as an API answer: coarse distance and time, and a nearest airport only when
    the passenger is at one of ``airports`` (their booked airports): the nearest of all airports
    would place them in that airport's catchment, a position of its own."""
    steps = math.floor(proximity.distance_km / DISTANCE_STEP_KM)
    whole_steps = math.ceil(proximity.time_to_gate / TIME_STEP)
    return replace(
        proximity,
        nearest_airport=proximity.target_airport
        if proximity.band == ProximityBand.AT_AIRPORT and proximity.target_airport in airports
        else "",
        distance_km=0.0 if proximity.band == ProximityBand.AT_AIRPORT else steps * DISTANCE_STEP_KM,
        time_to_gate=whole_steps * TIME_STEP,
    )


def unknown(passenger_id: str, target_airport: str) -> Proximity:
    """The proximity of a passenger we hold no ping for."""
    return Proximity(
        passenger_id, "", target_airport, ProximityBand.UNKNOWN, 0.0, timedelta(0), NO_PING_TIME, stale=True
    )


def ping_age(ping_time: datetime, now: datetime) -> timedelta:
    """How old a ping is (zero for a ping slightly in the future from device clock skew)."""
    return max(timedelta(0), now - ping_time)


def is_stale(ping_time: datetime, now: datetime, settings: LocatorSettings) -> bool:
    return ping_age(ping_time, now) > settings.stale_after


def _whole_minutes(span: timedelta) -> timedelta:
    return timedelta(minutes=round(span / timedelta(minutes=1)))

"""One line per booking that a passenger understands: what happened and what we did."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rebook.domain.airports import airport_rows, zone
from rebook.domain.disruptions import WHAT
from rebook.domain.model import Cabin, FlightLeg, LegType

from .affected import Affected
from .candidate import Candidate
from .solution import SubGroup

_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


_BY = {LegType.BUS: "bus", LegType.RAIL: "train"}


def city(iata: str) -> str:
    """City name for an airport code (the code itself if unknown)."""
    info = airport_rows().get(iata)
    return info["city"] if info and info.get("city") else iata


def _zone(iata: str) -> ZoneInfo | None:
    return zone(iata)  # the airport table, or the zone a schedule gave for a station it lacks


def local_time(t: datetime, iata: str) -> str:
    """``HH:MM`` in the airport's local time (UTC if its zone is unknown)."""
    zone = _zone(iata)
    return (t.astimezone(zone) if zone else t).strftime("%H:%M")


def local_when(t: datetime, iata: str, now: datetime) -> str:
    """``16:15`` when it is today at the airport, else with the date: ``tomorrow, Tue 24 Nov,
    16:15`` or ``Wed 25 Nov, 16:15`` (the passenger reads it at ``now``)."""
    zone = _zone(iata) or UTC
    at, today = t.astimezone(zone), now.astimezone(zone).date()
    clock = at.strftime("%H:%M")
    days = (at.date() - today).days
    if days == 0:
        return clock
    date_text = f"{at.strftime('%a')} {at.day} {at.strftime('%b')}"
    return f"tomorrow, {date_text}, {clock}" if days == 1 else f"{date_text}, {clock}"


def explain(
    a: Affected,
    chosen: Candidate | None,
    flights: Mapping[str, FlightLeg],
    now: datetime | None = None,
    no_seat: str = "",
    horizon_end: datetime | None = None,
    split: Sequence[SubGroup] = (),
) -> str:
    """E.g. "Your 14:05 to Denver was cancelled; the 15:40 was full in economy, so we booked
    you on the flight leaving tomorrow, Tue 24 Nov, 08:10 via Chicago, arriving 11:35 and kept
    your party of three together; you will spend the night in Chicago."  ``now`` is when the
    passenger reads it: times on another day carry their date.  ``no_seat`` ("no_route" or
    "no_seat_within_horizon") says why there is no ``chosen``; ``horizon_end`` is the latest
    departure that was searched.  Without ``now``, "today" is the day the party is ready."""
    now = a.ready if now is None else now
    head = _what_happened(a, flights, now)
    party = a.booking.party_size
    together = f" and kept your party of {_number(party)} together" if party > 1 else ""
    if chosen is None:
        return f"{head}; {_no_seat(a, no_seat, horizon_end, now)}"
    if len(split) > 1:
        return f"{head}; {_split(split, a, flights, now)}."
    full = _earlier_full(a, chosen, flights, now)
    full = full if ", " not in full else f"flight leaving {full}"
    because = f"; the {full} was full in {_cabin_name(a.cabin)}, so" if full else ";"
    notes = (_airport_change(a, chosen, flights), _overnight(a, chosen, flights))
    notes_text = "".join(f"; {note}" for note in notes if note)
    itinerary = _itinerary(chosen, flights, now)
    return f"{head}{because} we booked you on {itinerary}{_downgrade(chosen)}{together}{notes_text}."


# Appended once at the very end of an offer's explanation (``rebook._option``).
LOCAL_TIMES = " Times are local."


def _no_seat(a: Affected, reason: str, horizon_end: datetime | None, now: datetime) -> str:
    where = city(a.destination)
    until = f" before {local_when(horizon_end, a.at_airport, now)}" if horizon_end else ""
    if reason == "no_seat_within_horizon":
        return (
            f"every flight to {where}{until} is full, so you can join the waitlist for the next free seat "
            "or take a full refund."
        )
    if reason == "no_route":
        return (
            f"no flight of ours or our partners reaches {where}{until}, so you can take a full refund "
            "or talk to an agent."
        )
    return "we could not find seats in time, so you can take a full refund or talk to an agent."


def _split(split: Sequence[SubGroup], a: Affected, flights: Mapping[str, FlightLeg], now: datetime) -> str:
    """E.g. "no flight had seats for all of you, so your group of 24 travels on two flights: 14
    on the 16:15, 10 on the 18:40"; any overnight of a sub-group is named."""
    parts = ", ".join(f"{len(s.passenger_ids)} on {_departure(s.candidate, flights, now)}" for s in split)
    text = (
        f"no flight had seats for all of you, so your group of {a.booking.party_size} travels on "
        f"{_number(len(split))} flights: {parts}"
    )
    nights = dict.fromkeys(n for s in split if (n := _overnight(a, s.candidate, flights)))
    return text + "".join(f"; {n}" for n in nights)


def _departure(c: Candidate, flights: Mapping[str, FlightLeg], now: datetime) -> str:
    """ "the 16:15" (today), "the flight leaving tomorrow, Tue 24 Nov, 07:50", with any "via"."""
    legs = [flights[s.leg_id] for s in c.segments]
    leave = local_when(legs[0].departure, legs[0].origin, now)
    text = f"the {leave}" if ", " not in leave else f"the flight leaving {leave}"
    return text + (" via " + " and ".join(city(leg.origin) for leg in legs[1:]) if len(legs) > 1 else "")


def _what_happened(a: Affected, flights: Mapping[str, FlightLeg], now: datetime) -> str:
    leg = flights.get(a.disrupted_leg_id)
    if leg is None:
        return f"Your flight to {city(a.destination)} {WHAT[a.reason]}"
    when = local_when(leg.scheduled_departure, leg.origin, now)
    return f"Your {when} to {city(leg.destination)} {WHAT[a.reason]}"


def _airport_change(a: Affected, c: Candidate, flights: Mapping[str, FlightLeg]) -> str:
    """Names the airports when the itinerary leaves from or arrives at another one of the city."""
    first, last = flights[c.segments[0].leg_id], flights[c.segments[-1].leg_id]
    changes = []
    if first.origin != a.at_airport:
        changes.append(f"it leaves from {first.origin} instead of {a.at_airport}")
    if last.destination != a.destination:
        changes.append(f"it arrives at {last.destination} instead of {a.destination}")
    if not changes:
        return ""
    return " and ".join(changes) + " (an airport change: allow for the ground transfer)"


def _overnight(a: Affected, c: Candidate, flights: Mapping[str, FlightLeg]) -> str:
    """Where the party spends a night before it flies on, if it does."""
    legs = [flights[s.leg_id] for s in c.segments]
    stops = [(a.at_airport, a.ready, legs[0].departure)]
    stops += [(prev.destination, prev.arrival, nxt.departure) for prev, nxt in itertools.pairwise(legs)]
    for airport, arrive, leave in stops:
        zone = _zone(airport) or UTC
        if leave.astimezone(zone).date() > arrive.astimezone(zone).date():
            return f"you will spend the night in {city(airport)} (no earlier seat)"
    return ""


def _earlier_full(a: Affected, chosen: Candidate, flights: Mapping[str, FlightLeg], now: datetime | None = None) -> str:
    """Departure time of the last direct flight before the chosen one that the party could
    have made but did not get (no seats left for it), if there is one.  Looked up in the
    route index of ``flights`` (built once per plan), not by scanning every leg."""
    routes = flights.routes if isinstance(flights, FlightsByRoute) else RouteIndex(flights)
    last = routes.last_departing(a.at_airport, a.destination, a.ready, chosen.departure)
    if last is None:
        return ""
    return local_time(last.departure, last.origin) if now is None else local_when(last.departure, last.origin, now)


class RouteIndex:
    """Legs by (origin, destination), each route sorted by best-known departure and leg id."""

    def __init__(self, flights: Mapping[str, FlightLeg]) -> None:
        routes: dict[tuple[str, str], list[FlightLeg]] = {}
        for leg in flights.values():
            routes.setdefault((leg.origin, leg.destination), []).append(leg)
        for legs in routes.values():
            legs.sort(key=lambda leg: (leg.departure, leg.leg_id))
        self._legs = routes
        self._departures = {route: [leg.departure for leg in legs] for route, legs in routes.items()}

    def last_departing(self, origin: str, destination: str, earliest: datetime, before: datetime) -> FlightLeg | None:
        """The latest (by departure, then leg id) leg of the route that is neither cancelled
        nor departed and leaves at or after ``earliest`` and before ``before``."""
        legs = self._legs.get((origin, destination))
        if not legs:
            return None
        departures = self._departures[(origin, destination)]
        for index in range(bisect.bisect_left(departures, before) - 1, -1, -1):
            leg = legs[index]
            if leg.departure < earliest:
                return None
            if not leg.cancelled and not leg.departed:
                return leg
        return None


class FlightsByRoute(dict[str, FlightLeg]):
    """A snapshot of the flights by leg id that also carries their ``RouteIndex``, built once
    when first needed: a plan's explanations look routes up instead of scanning every leg for
    every seated booking (74% of the planning time at airline size).  Never changed once made."""

    __slots__ = ("_routes",)
    _routes: RouteIndex

    @property
    def routes(self) -> RouteIndex:
        try:
            return self._routes
        except AttributeError:
            self._routes = RouteIndex(self)
            return self._routes


def _itinerary(c: Candidate, flights: Mapping[str, FlightLeg], now: datetime) -> str:
    first, last = flights[c.segments[0].leg_id], flights[c.segments[-1].leg_id]
    text, leave = _departure(c, flights, now), local_when(first.departure, first.origin, now)
    arrive = local_when(last.arrival, last.destination, now)
    day = leave.rpartition(", ")[0]
    if day and arrive.startswith(day + ", "):  # the same day as the departure: say it once
        arrive = arrive.removeprefix(day + ", ")
    return f"{text}{_surface(c, flights)}, arriving {arrive}"


def _surface(c: Candidate, flights: Mapping[str, FlightLeg]) -> str:
    """ " (Amsterdam to Brussels by train)": a passenger must know which part is not a flight."""
    legs = [flights[s.leg_id] for s in c.segments]
    parts = [f"{city(g.origin)} to {city(g.destination)} by {_BY[g.leg_type]}" for g in legs if g.surface]
    return f" ({'; '.join(parts)})" if parts else ""


def _downgrade(c: Candidate) -> str:
    if not c.downgrade_steps:
        return ""
    worst = min(s.cabin for s in c.segments)
    return f" in {_cabin_name(worst)} (the only seats left)"


def _cabin_name(cabin: Cabin) -> str:
    return cabin.name.lower().replace("_", " ")


def _number(n: int) -> str:
    return _NUMBERS[n] if n < len(_NUMBERS) else str(n)

"""Full validation of schedules and events before anything is applied.

Every check appends a ``FieldViolation`` instead of failing fast, so a caller sees all that
is wrong with a request at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

from rebook.domain import airports
from rebook.domain.errors import FieldViolation, NotFoundError, ValidationError
from rebook.domain.model import Cabin, FlightLeg, FlightStatus, LegType, make_leg_id

from .events import (
    CHANGE_FIELD,
    ActualTimes,
    Cancellation,
    Diversion,
    EquipmentChange,
    EstimateChange,
    FlightEvent,
    Reinstatement,
)

# Identifiers as real feeds carry them (docs/scenario-format.md, "Identifiers"):
_IATA_CARRIER = re.compile(r"^(?![0-9]{2}$)[A-Z0-9]{2}$")  # two alnum, not both digits
_ICAO_CARRIER = re.compile(r"^[A-Z]{3}$")
# IATA numbers have 1-4 digits; carriers' ops systems number ferry, positioning, bus and rail
# services with 5; an operational suffix letter may follow.
_FLIGHT_NUMBER = re.compile(r"^[0-9]{1,5}[A-Z]?$")
# A registration (D-AIBB, N312RB) or the operator's own aircraft id (A318#1, 320/05).
_TAIL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9#./_-]{0,15}$")
_STATION = re.compile(r"^[A-Z]{3}$")  # IATA location code: airports and rail/bus stations
_MAX_TURN = timedelta(hours=24)

Violations = list[FieldViolation]


def is_airport(code: str) -> bool:
    """A station whose clock is known: in the airport table, or given a zone by a schedule."""
    return airports.zone(code) is not None


def is_carrier(code: str) -> bool:
    return bool(_IATA_CARRIER.match(code) or _ICAO_CARRIER.match(code))


def departure_window(operating_date: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC for a departure: the operating (local) date ±1 day."""
    start = datetime.combine(operating_date - timedelta(days=1), time(), UTC)
    return start, start + timedelta(days=3)


def arrival_window(operating_date: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC for an arrival: up to 2 days after the operating date."""
    start, _ = departure_window(operating_date)
    return start, start + timedelta(days=4)


def _check_instant(out: Violations, path: str, value: object, window: tuple[datetime, datetime]) -> bool:
    """Appends a violation unless ``value`` is an aware datetime inside ``window``."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        out.append(FieldViolation(path, "must be a timezone-aware UTC instant"))
        return False
    start, end = window
    if not start <= value < end:
        span = f"[{start.isoformat()}, {end.isoformat()})"
        out.append(FieldViolation(path, f"{value.isoformat()} is outside the leg's window {span}"))
        return False
    return True


def _check_seats(out: Violations, path: str, seats: object, *, required: bool) -> None:
    if not isinstance(seats, Mapping):
        out.append(FieldViolation(path, "must map cabins to seat counts"))
        return
    if required and not seats:
        out.append(FieldViolation(path, "must offer at least one cabin"))
    for cabin, count in seats.items():
        name = cabin.name if isinstance(cabin, Cabin) else repr(cabin)
        if not isinstance(cabin, Cabin):
            out.append(FieldViolation(f"{path}[{name}]", "unknown cabin"))
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            out.append(FieldViolation(f"{path}[{name}]", f"must be a non-negative seat count, got {count!r}"))


def _check_airport(out: Violations, path: str, code: str) -> None:
    if not is_airport(code):
        out.append(FieldViolation(path, f"{code!r} is not an IATA location code with a known time zone"))


def _check_station(out: Violations, path: str, code: str, zone_name: str, zone_path: str) -> None:
    """A leg's end: a three-letter IATA location code whose time zone is known — from the
    airport table, or from the leg (``zone_name``: required for a station the table lacks)."""
    if not _STATION.match(code):
        out.append(FieldViolation(path, f"{code!r} is not an IATA location code (three letters)"))
        return
    if zone_name and airports.parse_zone(zone_name) is None:
        out.append(FieldViolation(zone_path, f"{zone_name!r} is not an IANA time zone (e.g. Europe/Brussels)"))
    elif not airports.known(code) and not zone_name:
        field = zone_path.rsplit(".", 1)[-1]
        out.append(FieldViolation(path, f"{code!r} is not in the airport table: give its {field} (IANA)"))


def _check_tail(out: Violations, path: str, tail: str, *, required: bool) -> None:
    if (tail or required) and not _TAIL.match(tail):
        out.append(FieldViolation(path, f"{tail!r} is not an aircraft id (1-16 of letters, digits and -#./_)"))


def _leg_violations(leg: FlightLeg, p: str) -> Violations:
    out: Violations = []
    if not is_carrier(leg.carrier):
        out.append(FieldViolation(f"{p}.carrier", f"{leg.carrier!r} is not an IATA/ICAO carrier code"))
    if not _FLIGHT_NUMBER.match(leg.flight_number):
        out.append(FieldViolation(f"{p}.flight_number", f"{leg.flight_number!r} is not 1-5 digits and a suffix letter"))
    _check_station(out, f"{p}.origin", leg.origin, leg.origin_zone, f"{p}.origin_time_zone")
    _check_station(out, f"{p}.destination", leg.destination, leg.destination_zone, f"{p}.destination_time_zone")
    if leg.origin == leg.destination:
        out.append(FieldViolation(f"{p}.destination", "must differ from origin"))
    if not isinstance(leg.operating_date, date) or isinstance(leg.operating_date, datetime):
        out.append(FieldViolation(f"{p}.operating_date", "must be a date"))
        return out  # every time window hangs off the operating date
    expected_id = make_leg_id(leg.carrier, leg.flight_number, leg.operating_date, leg.origin)
    if leg.leg_id != expected_id:
        out.append(FieldViolation(f"{p}.leg_id", f"must be {expected_id!r}"))
    _check_leg_times(out, leg, p)
    # A bus or train may be sold without seat inventory; an aircraft has seats.
    _check_seats(out, f"{p}.capacity", leg.capacity, required=leg.leg_type == LegType.FLIGHT)
    if not isinstance(leg.leg_type, LegType):
        out.append(FieldViolation(f"{p}.leg_type", f"unknown leg type {leg.leg_type!r}"))
    _check_seats(out, f"{p}.sold", leg.sold, required=False)
    _check_tail(out, f"{p}.tail_number", leg.tail_number, required=False)
    if not isinstance(leg.min_turn, timedelta) or not timedelta(0) <= leg.min_turn <= _MAX_TURN:
        out.append(FieldViolation(f"{p}.min_turn", "must be between 0 and 24 hours"))
    if not isinstance(leg.status, FlightStatus):
        out.append(FieldViolation(f"{p}.status", f"unknown status {leg.status!r}"))
    if leg.diverted_to:
        _check_airport(out, f"{p}.diverted_to", leg.diverted_to)
    return out


def _check_leg_times(out: Violations, leg: FlightLeg, p: str) -> None:
    dep_window, arr_window = departure_window(leg.operating_date), arrival_window(leg.operating_date)
    dep_ok = _check_instant(out, f"{p}.scheduled_departure", leg.scheduled_departure, dep_window)
    arr_ok = _check_instant(out, f"{p}.scheduled_arrival", leg.scheduled_arrival, arr_window)
    if dep_ok and arr_ok and leg.scheduled_arrival <= leg.scheduled_departure:
        out.append(FieldViolation(f"{p}.scheduled_arrival", "must be after scheduled_departure"))
    optional = (
        ("estimated_departure", dep_window),
        ("estimated_arrival", arr_window),
        ("actual_off_block", dep_window),
        ("actual_takeoff", dep_window),
        ("actual_landing", arr_window),
        ("actual_in_block", arr_window),
    )
    all_ok = dep_ok and arr_ok
    for name, window in optional:
        value = getattr(leg, name)
        if value is not None:
            all_ok = _check_instant(out, f"{p}.{name}", value, window) and all_ok
    if all_ok and leg.arrival <= leg.departure:
        out.append(FieldViolation(f"{p}.estimated_arrival", "best-known arrival must be after departure"))


def schedule_violations(
    legs: Sequence[FlightLeg], field: str = "legs", paths: Sequence[str] | None = None
) -> dict[int, Violations]:
    """The violations of each bad leg, by position in ``legs`` (``paths[i]``: the field path of
    ``legs[i]``, default ``{field}[i]``).  A leg id seen earlier in the same load is a violation
    of the later leg only: the first stays loadable."""
    out: dict[int, Violations] = {}
    first_index: dict[str, int] = {}
    for i, leg in enumerate(legs):
        path = paths[i] if paths is not None else f"{field}[{i}]"
        if not isinstance(leg, FlightLeg):
            out[i] = [FieldViolation(path, "must be a FlightLeg")]
            continue
        found = _leg_violations(leg, path)
        if leg.leg_id in first_index:
            earlier = first_index[leg.leg_id]
            earlier_path = paths[earlier] if paths is not None else f"{field}[{earlier}]"
            found.append(FieldViolation(f"{path}.leg_id", f"duplicates {earlier_path}"))
        elif not found:
            first_index[leg.leg_id] = i
        if found:
            out[i] = found
    return out


def validate_schedule(legs: Sequence[FlightLeg], field: str = "legs") -> None:
    """Raises ``ValidationError`` listing every problem of a bulk schedule load."""
    found = schedule_violations(legs, field)
    if found:
        raise ValidationError([v for i in sorted(found) for v in found[i]])


def check_event_time(
    event: FlightEvent, now: datetime, max_future_skew: timedelta | None, max_age: timedelta | None, p: str = "event"
) -> None:
    """An event time too far ahead of the clock (or absurdly old) is refused: applied, it would
    make every later real event of its kind look stale."""
    if max_future_skew is not None and event.event_time > now + max_future_skew:
        raise ValidationError(
            [FieldViolation(f"{p}.event_time", f"is more than {max_future_skew} ahead of the service clock")]
        )
    if max_age is not None and event.event_time < now - max_age:
        raise ValidationError([FieldViolation(f"{p}.event_time", f"is more than {max_age} in the past")])


def check_event_shape(event: FlightEvent, p: str = "event") -> None:
    """Checks what needs no leg: ids, event time, the change's own fields."""
    out: Violations = []
    if not isinstance(event.event_id, str) or not event.event_id.strip():
        out.append(FieldViolation(f"{p}.event_id", "must not be empty"))
    if not isinstance(event.leg_id, str) or not event.leg_id:
        out.append(FieldViolation(f"{p}.leg_id", "must not be empty"))
    if not isinstance(event.event_time, datetime) or event.event_time.utcoffset() is None:
        out.append(FieldViolation(f"{p}.event_time", "must be a timezone-aware UTC instant"))
    change = event.change
    name = CHANGE_FIELD.get(type(change))
    if name is None:
        out.append(FieldViolation(f"{p}.change", "must be one of " + ", ".join(CHANGE_FIELD.values())))
    elif isinstance(change, Diversion):
        _check_airport(out, f"{p}.{name}.airport", change.airport)
    elif isinstance(change, EquipmentChange):
        _check_tail(out, f"{p}.{name}.tail_number", change.tail_number, required=True)
        if not change.aircraft_type.strip():
            out.append(FieldViolation(f"{p}.{name}.aircraft_type", "must not be empty"))
        _check_seats(out, f"{p}.{name}.capacity", change.capacity, required=True)
    elif isinstance(change, EstimateChange) and change.departure is None and change.arrival is None:
        out.append(FieldViolation(f"{p}.{name}", "must set departure or arrival"))
    elif isinstance(change, ActualTimes) and not any(_actuals(change)):
        out.append(FieldViolation(f"{p}.{name}", "must set at least one time"))
    if out:
        raise ValidationError(out)


def _actuals(change: ActualTimes) -> tuple[datetime | None, ...]:
    return change.off_block, change.takeoff, change.landing, change.in_block


def check_event_against_leg(event: FlightEvent, leg: FlightLeg | None, p: str = "event") -> None:
    """Checks the event against the leg it names: existence, status and time windows."""
    if leg is None:
        raise NotFoundError(f"unknown flight leg {event.leg_id!r}", field=f"{p}.leg_id")
    out: Violations = []
    change = event.change
    path = f"{p}.{CHANGE_FIELD[type(change)]}"
    if leg.cancelled and not isinstance(change, Cancellation | Reinstatement):
        out.append(FieldViolation(path, "the leg is cancelled; reinstate it first"))
    if isinstance(change, EstimateChange):
        _check_estimate(out, change, leg, path)
    elif isinstance(change, ActualTimes):
        _check_actuals(out, change, leg, path)
    elif isinstance(change, Diversion) and change.airport == leg.origin:
        out.append(FieldViolation(f"{path}.airport", "must differ from the leg's origin"))
    if out:
        raise ValidationError(out)


def _check_estimate(out: Violations, change: EstimateChange, leg: FlightLeg, path: str) -> None:
    ok = True
    if change.departure is not None:
        ok = _check_instant(out, f"{path}.departure", change.departure, departure_window(leg.operating_date))
    if change.arrival is not None:
        ok = _check_instant(out, f"{path}.arrival", change.arrival, arrival_window(leg.operating_date)) and ok
    departure = change.departure or leg.departure
    if ok and change.arrival is not None and change.arrival <= departure:
        out.append(FieldViolation(f"{path}.arrival", f"must be after departure {departure.isoformat()}"))


def _check_actuals(out: Violations, change: ActualTimes, leg: FlightLeg, path: str) -> None:
    dep, arr = departure_window(leg.operating_date), arrival_window(leg.operating_date)
    named = (("off_block", dep), ("takeoff", dep), ("landing", arr), ("in_block", arr))
    merged = (
        change.off_block or leg.actual_off_block,
        change.takeoff or leg.actual_takeoff,
        change.landing or leg.actual_landing,
        change.in_block or leg.actual_in_block,
    )
    ok = True
    for (name, window), value in zip(named, _actuals(change), strict=True):
        if value is not None:
            ok = _check_instant(out, f"{path}.{name}", value, window) and ok
    if ok:
        _check_sequence(out, path, [(n, v) for (n, _), v in zip(named, merged, strict=True) if v is not None])


def _check_sequence(out: Violations, path: str, times: Iterable[tuple[str, datetime]]) -> None:
    """Off-block ≤ take-off ≤ landing ≤ in-block (with the leg's earlier actuals merged in)."""
    previous: tuple[str, datetime] | None = None
    for name, value in times:
        if previous and value < previous[1]:
            out.append(FieldViolation(f"{path}.{name}", f"must not be before {previous[0]}"))
        previous = (name, value)

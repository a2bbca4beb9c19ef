"""The airline domain as plain, immutable Python data.

Every service's core works on these types; the gRPC servicers and Kafka loops translate
protobuf messages to and from them (see ``rebook.domain.convert``).  Enum values match the
numbers of the protobuf enums in ``proto/rebook/v1`` so translation is a plain cast.

All instants are timezone-aware UTC ``datetime``s; spans are ``timedelta``s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import IntEnum


class Cabin(IntEnum):
    """Cabin class; a higher value is a better cabin, so ``a < b`` means a downgrade."""

    ECONOMY = 1
    PREMIUM_ECONOMY = 2
    BUSINESS = 3
    FIRST = 4


class Tier(IntEnum):
    """Loyalty tier of a passenger."""

    BASIC = 1
    SILVER = 2
    GOLD = 3
    PLATINUM = 4


class FlightStatus(IntEnum):
    """Operational status of a flight leg."""

    SCHEDULED = 1
    DELAYED = 2
    CANCELLED = 3
    DIVERTED = 4
    DEPARTED = 5
    ARRIVED = 6


class SpecialService(IntEnum):
    """Special service requests (IATA SSR codes) that change how a passenger is rebooked."""

    WHEELCHAIR = 1  # WCHR/WCHS/WCHC: needs longer connections, high priority
    UNACCOMPANIED_MINOR = 2  # UMNR: must not be stranded overnight, high priority
    BLIND = 3  # BLND
    DEAF = 4  # DEAF
    MEET_AND_ASSIST = 5  # MAAS
    PET_IN_CABIN = 6  # PETC


class LegType(IntEnum):
    """What operates a leg: an aircraft, or surface transport sold as a leg."""

    FLIGHT = 1
    BUS = 2
    RAIL = 3


# Seats per cabin of a surface leg sold without inventory: any party fits.
OPEN_SEATS = 9_999


class DisruptionKind(IntEnum):
    """What happened to the legs of a disruption."""

    CANCELLATION = 1
    REINSTATEMENT = 2  # withdraws an earlier cancellation
    DELAY = 3
    DIVERSION = 4
    DOWNGAUGE = 5
    ROTATION_AT_RISK = 6  # an earlier leg of the aircraft's rotation is cancelled, no swap


REDUCED_MOBILITY = frozenset({SpecialService.WHEELCHAIR, SpecialService.BLIND, SpecialService.MEET_AND_ASSIST})


@dataclass(frozen=True, slots=True)
class FlightLeg:
    """One operated leg of a flight: the unit that is scheduled, sold and disrupted.

    ``leg_id`` is ``{carrier}{flight_number}-{YYYY-MM-DD}-{origin}`` (see ``make_leg_id``).
    ``capacity`` and ``sold`` map each offered cabin to its seats.
    """

    leg_id: str
    carrier: str
    flight_number: str
    operating_date: date
    origin: str
    destination: str
    scheduled_departure: datetime
    scheduled_arrival: datetime
    capacity: Mapping[Cabin, int]
    sold: Mapping[Cabin, int] = field(default_factory=dict)
    tail_number: str = ""
    aircraft_type: str = ""
    min_turn: timedelta = timedelta(minutes=45)
    estimated_departure: datetime | None = None
    estimated_arrival: datetime | None = None
    status: FlightStatus = FlightStatus.SCHEDULED
    diverted_to: str = ""
    actual_off_block: datetime | None = None
    actual_takeoff: datetime | None = None
    actual_landing: datetime | None = None
    actual_in_block: datetime | None = None
    version: int = 0
    leg_type: LegType = LegType.FLIGHT
    origin_zone: str = ""  # IANA zone the feed gave, for a station the airport table lacks
    destination_zone: str = ""

    @property
    def surface(self) -> bool:
        """A bus or rail leg."""
        return self.leg_type != LegType.FLIGHT

    @property
    def seats_for_sale(self) -> Mapping[Cabin, int]:
        """Capacity per cabin the optimizer may sell from; a surface leg without inventory takes
        any party in every cabin (seats ``OPEN_SEATS``, nothing sold)."""
        if self.surface and not self.capacity:
            return _OPEN_CABINS
        return self.capacity

    @property
    def departure(self) -> datetime:
        """Best-known departure: actual off-block, else estimate, else schedule."""
        return self.actual_off_block or self.estimated_departure or self.scheduled_departure

    @property
    def arrival(self) -> datetime:
        """Best-known arrival: actual in-block, else estimate, else schedule."""
        return self.actual_in_block or self.estimated_arrival or self.scheduled_arrival

    @property
    def cancelled(self) -> bool:
        return self.status == FlightStatus.CANCELLED

    @property
    def departed(self) -> bool:
        return self.actual_off_block is not None or self.status in (FlightStatus.DEPARTED, FlightStatus.ARRIVED)

    def free_seats(self, cabin: Cabin) -> int:
        """Unsold seats in ``cabin`` (never negative; an oversold cabin has none)."""
        return max(0, self.seats_for_sale.get(cabin, 0) - self.sold.get(cabin, 0))


_OPEN_CABINS: Mapping[Cabin, int] = {cabin: OPEN_SEATS for cabin in Cabin}


def make_leg_id(carrier: str, flight_number: str, operating_date: date, origin: str) -> str:
    """The canonical leg id, e.g. ``RB123-2026-11-23-FRA``."""
    return f"{carrier}{flight_number}-{operating_date.isoformat()}-{origin}"


@dataclass(frozen=True, slots=True)
class Passenger:
    """A traveller on a booking, identified only by an opaque token (never a name)."""

    passenger_id: str
    tier: Tier = Tier.BASIC
    special_services: frozenset[SpecialService] = frozenset()
    location_consent: bool = False
    contact_opt_in: bool = True

    @property
    def reduced_mobility(self) -> bool:
        return bool(self.special_services & REDUCED_MOBILITY)


@dataclass(frozen=True, slots=True)
class Segment:
    """One leg of a booking's itinerary, in a cabin."""

    leg_id: str
    cabin: Cabin = Cabin.ECONOMY


@dataclass(frozen=True, slots=True)
class Booking:
    """A record locator: a party travelling together on one itinerary."""

    record_locator: str
    passengers: tuple[Passenger, ...]
    segments: tuple[Segment, ...]
    version: int = 1
    carrier: str = ""

    @property
    def party_size(self) -> int:
        return len(self.passengers)


class ProximityBand(IntEnum):
    """How close a passenger is to the airport they must depart from."""

    AT_AIRPORT = 1
    NEARBY = 2
    FAR = 3
    UNKNOWN = 4


@dataclass(frozen=True, slots=True)
class Proximity:
    """Coarse, privacy-preserving whereabouts of a passenger (never raw coordinates)."""

    passenger_id: str
    nearest_airport: str
    target_airport: str
    band: ProximityBand
    distance_km: float
    time_to_gate: timedelta
    ping_time: datetime
    stale: bool = False


@dataclass(frozen=True, slots=True)
class Disruption:
    """Something went wrong (or is predicted to) with one or more legs of a carrier.

    ``disruption_id`` is stable for one situation (e.g. ``DELAY:RB123-2026-11-23-FRA``);
    ``version`` grows each time that situation changes.  ``withdrawn`` retracts it (a
    reinstated cancellation, a predicted delay that no longer holds).
    """

    disruption_id: str
    version: int
    kind: DisruptionKind
    carrier: str
    leg_ids: tuple[str, ...]
    known_time: datetime
    predicted: bool = False
    cause_leg_id: str = ""
    cause: str = ""
    old_departure: datetime | None = None
    new_departure: datetime | None = None
    old_arrival: datetime | None = None
    new_arrival: datetime | None = None
    old_capacity: Mapping[Cabin, int] = field(default_factory=dict)
    new_capacity: Mapping[Cabin, int] = field(default_factory=dict)
    diverted_to: str = ""
    withdrawn: bool = False
    # A DELAY below the announce threshold: relevant to connections only, not announced.
    below_threshold: bool = False

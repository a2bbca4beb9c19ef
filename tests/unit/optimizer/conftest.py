"""Small hand-built networks for the optimizer core tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import Booking, Cabin, FlightLeg, Passenger, Segment, Tier, make_leg_id

DAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def leg(
    number: int,
    origin: str,
    dest: str,
    dep_min: int,
    block_min: int = 90,
    seats: Mapping[Cabin, int] | None = None,
    sold: Mapping[Cabin, int] | None = None,
    carrier: str = "RB",
    **kw: object,
) -> FlightLeg:
    """A leg departing ``dep_min`` minutes after T0."""
    dep = T0 + timedelta(minutes=dep_min)
    seats = dict(seats or {Cabin.ECONOMY: 10})
    return FlightLeg(
        make_leg_id(carrier, str(number), DAY, origin),
        carrier,
        str(number),
        DAY,
        origin,
        dest,
        dep,
        dep + timedelta(minutes=block_min),
        seats,
        dict(sold or {}),
        **kw,
    )


def booking(
    locator: str,
    legs: tuple[FlightLeg, ...],
    party: int = 1,
    tier: Tier = Tier.BASIC,
    cabin: Cabin = Cabin.ECONOMY,
    **pax_kw: object,
) -> Booking:
    pax = tuple(Passenger(f"{locator}-{i}", tier, **pax_kw) for i in range(party))
    return Booking(locator, pax, tuple(Segment(g.leg_id, cabin) for g in legs), carrier="RB")


def index(*legs: FlightLeg) -> dict[str, FlightLeg]:
    return {g.leg_id: g for g in legs}

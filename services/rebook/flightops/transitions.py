"""How one (validated) event changes one leg: pure ``FlightLeg -> FlightLeg`` functions."""

from __future__ import annotations

from rebook.domain.model import FlightLeg, FlightStatus

from .events import (
    ActualTimes,
    Cancellation,
    Change,
    Diversion,
    EquipmentChange,
    EstimateChange,
    Reinstatement,
)
from .records import replace

_STICKY = (FlightStatus.CANCELLED, FlightStatus.DIVERTED)  # only an explicit event clears these


def derive_status(leg: FlightLeg) -> FlightStatus:
    """Status implied by the leg's times (cancelled and diverted are kept as they are)."""
    if leg.status in _STICKY:
        return leg.status
    if leg.actual_in_block or leg.actual_landing:
        return FlightStatus.ARRIVED
    if leg.actual_off_block or leg.actual_takeoff:
        return FlightStatus.DEPARTED
    if leg.departure > leg.scheduled_departure or leg.arrival > leg.scheduled_arrival:
        return FlightStatus.DELAYED
    return FlightStatus.SCHEDULED


def _estimate(leg: FlightLeg, change: EstimateChange) -> FlightLeg:
    departure = change.departure or leg.estimated_departure
    arrival = change.arrival or leg.estimated_arrival
    if change.arrival is None and change.departure is not None:
        # An ETD alone still moves the arrival: it can be no earlier than ETD + block time.
        earliest = change.departure + (leg.scheduled_arrival - leg.scheduled_departure)
        if earliest > (arrival or leg.scheduled_arrival):
            arrival = earliest
    return replace(leg, estimated_departure=departure, estimated_arrival=arrival)


def _actuals(leg: FlightLeg, change: ActualTimes) -> FlightLeg:
    return replace(
        leg,
        actual_off_block=change.off_block or leg.actual_off_block,
        actual_takeoff=change.takeoff or leg.actual_takeoff,
        actual_landing=change.landing or leg.actual_landing,
        actual_in_block=change.in_block or leg.actual_in_block,
    )


def transition(leg: FlightLeg, change: Change) -> FlightLeg:
    """The leg after ``change``, status re-derived; the version is left to the caller."""
    match change:
        case EstimateChange():
            leg = _estimate(leg, change)
        case Cancellation():
            leg = replace(leg, status=FlightStatus.CANCELLED)
        case Reinstatement() if leg.cancelled:
            leg = replace(leg, status=FlightStatus.SCHEDULED)
        case Diversion():
            leg = replace(leg, status=FlightStatus.DIVERTED, diverted_to=change.airport)
        case EquipmentChange():
            leg = replace(
                leg,
                tail_number=change.tail_number,
                aircraft_type=change.aircraft_type,
                capacity=dict(change.capacity),
            )
        case ActualTimes():
            leg = _actuals(leg, change)
    return replace(leg, status=derive_status(leg))

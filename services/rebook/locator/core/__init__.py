"""Pure core of the passenger locator: airport index, proximity estimate, validation, tracker."""

from rebook.locator.core.airports import Airport, AirportIndex, AirportSize, default_index, haversine_km
from rebook.locator.core.proximity import estimate, unknown
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.core.validation import LocationPing, require_airport, validate_ping

__all__ = [
    "Airport",
    "AirportIndex",
    "AirportSize",
    "LocationPing",
    "LocatorSettings",
    "ProximityTracker",
    "default_index",
    "estimate",
    "haversine_km",
    "require_airport",
    "unknown",
    "validate_ping",
]

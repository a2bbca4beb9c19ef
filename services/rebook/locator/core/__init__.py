"""Pure core of the passenger locator: proximity estimate, validation, tracker (the airport index
is shared: ``rebook.domain.airport_index``)."""

from rebook.locator.core.proximity import estimate, unknown
from rebook.locator.core.settings import LocatorSettings
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.core.validation import LocationPing, require_airport, validate_ping

__all__ = [
    "LocationPing",
    "LocatorSettings",
    "ProximityTracker",
    "estimate",
    "require_airport",
    "unknown",
    "validate_ping",
]

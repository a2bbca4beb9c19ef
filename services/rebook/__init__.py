"""rebook: flight-disruption auto-rebooking."""

__version__ = "0.1.0"

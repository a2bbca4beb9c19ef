"""The optimizer service: finds affected bookings and reassigns them (pure core in ``core``)."""

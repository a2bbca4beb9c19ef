"""Passenger locator: opt-in location pings in, coarse per-passenger proximity out.

Where each part is:

- ``core/`` — the pure core (no grpc, no kafka; raw coordinates never leave it): ``tracker``,
  ``proximity``, ``targets`` (each passenger's next departure airport), ``validation``; the
  airport index and distances are ``rebook.domain.airport_index``, shared with the optimizer.
- ``servicer.py`` — ``PassengerLocationService``: translation, access rules, error codes.
- ``publisher.py`` (proximity out, retried), ``targets.py`` (bookings and flights in, a
  ``ViewLoop``), ``maintenance.py`` (staleness and retention) — the Kafka side.
- ``app.py`` — ``load_config`` and ``build(config, deps) -> Service``, the composition root
  ``main`` and the integration tests call; ready once the target view caught up.
- ``main.py`` — ``rebook locator``; ``metrics.py``.  Its bench is tooling (``rebook.tooling.bench.locator``).
"""

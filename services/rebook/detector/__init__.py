"""The detector service: flight state, disruption rules and rotation delay propagation.

Where each part is:

- the pure core is the shared flight-operations library ``rebook.flightops`` (the optimizer's
  ``Simulate`` and ``rebook solve`` run the same one): ``state.FlightStateStore`` (legs,
  rotations, published disruptions), ``rules`` (rotation propagation, versions),
  ``validation``, ``events``, and ``convert`` (events protobuf ⇄ core; legs and disruptions in
  ``rebook.domain.convert``).  What each disruption kind is lives in
  ``rebook.domain.disruptions.KINDS``.
- ``servicer.py`` — ``FlightStatusService``: translation, access rules, error codes.
- ``writer.py`` — the Kafka side: applies a write to the core, publishes it, waits for acks;
  ``restore.py`` rebuilds the state from the topics, ``applied.py`` the replay markers.
- ``app.py`` — ``build(config, deps) -> Service``: the composition root ``main`` and the
  integration tests call; ready once the state was rebuilt.
- ``main.py`` — ``rebook detector``: ``REBOOK_DETECTOR_*`` settings, then ``run_service``.
- ``metrics.py``.  Its bench and the bench's synthetic day are tooling
  (``rebook.tooling.bench.detector``, ``rebook.tooling.sim.generator.detector_day``).
"""

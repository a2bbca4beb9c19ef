"""Development tooling: nothing in production imports it, and the production image leaves it
out (``.dockerignore``; ``tests/unit/test_product_apart.py`` checks the imports).

- ``demo/`` — ``rebook demo``: the storm day end to end (``flow``), its live panel (``live``,
  ``view``), the broker reads (``broker``) and the summary (``summary``).
- ``bench/`` — ``rebook bench NAME`` (the dispatcher in ``__init__``): ``detector``,
  ``locator``, ``optimizer``, ``scale``, ``cancellations`` (``cancellations_service``: its
  ``--service`` mode), ``e2e`` (also the end-to-end test's driver).
- ``sim/`` — scenario format (``scenario``, ``scenario_json*``), whole-scenario changes
  (``scenario_map``: replay's time shift and ``--rename``, the demo's namespace), replay
  (``rebook replay``), ``rebook scenario``, and ``generator/``: the one synthetic-airline
  generator behind the demo, every bench and the tests (the storm day, the hub meltdown
  families, the detector's day); ``solve_cli.py`` — ``rebook solve``.
- ``launch.py`` — starts the four services as processes (``LocalCluster``), isolated topics
  (``Namespace``).
- ``local_kafka.py``, ``kafka_cli.py`` — ``rebook kafka up|down|wipe``: the local broker.
  Topic creation on a real cluster is product code (``rebook.runtime.kafka_admin``, ``rebook topics``).
- ``passenger_cli.py`` — ``rebook passenger``: follow a booking's offers in a terminal.
- ``args.py``, ``net.py``, ``stats.py`` — argument types, free ports, quantiles for the above.
"""

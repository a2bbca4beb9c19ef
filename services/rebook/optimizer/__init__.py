"""The optimizer service: finds affected bookings and reassigns them.

Where each part is:

- ``core/`` — the pure core: ``affected`` (who must move), ``candidates`` (the K best
  itineraries per booking, ``Candidate`` in ``candidate``; ``routes`` searches them, ``pricing``
  seats and prices them),
  ``solvers`` (the solver choices; ``solver`` the OR-Tools model over the booking groups of
  ``groups``, its LPs through ``linear`` (HiGHS via MathOpt), ``greedy`` the baseline,
  ``ejection`` and ``split`` the last moves), ``rebook`` (the plan pipeline) and ``widening``
  (its solve: baseline, solver, widened candidates), ``costs`` (with ``cost_settings`` and ``regions``),
  ``explain``.  ``engine.py`` (decisions, over the views in ``engine_views.py``) and
  ``offers.py`` (offer versions, holds; ``offer_answers.py`` how they change,
  ``offer_costs.py`` what they cost) are pure too, outside ``core/`` for now.
- ``convert.py`` — protobuf ⇄ offers.
- ``servicer.py`` — ``RebookingService``: translation, access rules, error codes.
- ``streams.py`` — the Kafka side: views on every instance, the disruptions consumer.
- ``app.py`` — ``build(config, deps) -> Service``, the composition root ``main`` and the
  integration tests call.
- ``main.py`` — ``rebook optimizer``: ``REBOOK_OPTIMIZER_*`` settings (``load_config``).
- ``metrics.py``.  ``rebook solve`` and the optimizer bench are tooling
  (``rebook.tooling.solve_cli``, ``rebook.tooling.bench.optimizer``).
"""

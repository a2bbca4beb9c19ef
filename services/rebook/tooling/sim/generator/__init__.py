"""The one synthetic-airline generator: shared parts, and one profile per kind of instance.

Parts every profile is built from:

- ``geo`` — real airports (``rebook.domain.airports``), great-circle distances, cruise times;
- ``fleet`` — aircraft types, weighted draws (``Pick``), ``make_leg``;
- ``bookings`` — filling seats with connecting then local parties (``fill_seats``, ``Feeders``),
  special needs, random ids.

Profiles (each deterministic per seed: one ``random.Random`` drives it, in a fixed order of
draws, so an instance never changes unless its profile does — see
``tests/unit/tooling/sim/test_generator_pins.py``):

- ``storm_day`` (+ ``storm_network``, ``storm_events``) — ``rebook scenario generate``, the
  demo and the scenario tests: an airline day with a storm as flight events, at the sizes in
  ``SIZES`` (small to airline-month).
- ``meltdown`` — ``rebook bench optimizer`` and the optimizer's tests: a hub meltdown as
  disruptions, in ``FAMILIES`` (meltdown, large parties, mixed cabins, two-stop, priority
  groups, EU261), sized by disrupted passengers.
- ``detector_day`` — ``rebook bench detector`` and the detector's tests: a many-carrier day
  and a long stream of valid flight events over it.
- ``cancelled_flights`` — ``rebook bench e2e``, the end-to-end tests and the fault suite:
  flights to cancel and the later flights their passengers can move to, ahead of a given clock.
- ``drivers`` — ``rebook bench locator``: passengers driving to their airport, one ping
  closer at a time, and the flights they are booked on.
"""

from .storm_day import GeneratedScenario, generate
from .storm_network import SIZES, SizeProfile

__all__ = ["SIZES", "GeneratedScenario", "SizeProfile", "generate"]

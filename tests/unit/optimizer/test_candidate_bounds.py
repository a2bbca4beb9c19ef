"""Candidate enumeration stays bounded on a banked hub network (issue 18.2): a longer way is
dropped when shorter ones leave no earlier and arrive no later, and shared connections are
searched once."""

import gc
from dataclasses import replace

import pytest

from rebook.domain.model import Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import CandidateBuilder, OptimizerSettings, find_affected, seat_availability
from rebook.optimizer.core import rebook as rebook_module

from .conftest import T0, booking, index, leg

S = OptimizerSettings()
BANK = 90


def _network(spokes: int, shuttles: int = 16) -> list:
    """Two hubs (DEN, ORD) with every spoke served from both each bank, and two shuttles between
    the hubs every bank; the first ORD→DEN shuttle is the one a passenger loses."""
    legs, n = [], 0
    for bank in range(8):
        at = 60 + bank * BANK
        for s in range(spokes):
            spoke = f"S{s:02d}"
            for a, b in (("DEN", spoke), (spoke, "DEN"), ("ORD", spoke), (spoke, "ORD")):
                n += 1
                legs.append(leg(n, a, b, at, block_min=70))
        for late in (5, 35)[: max(0, min(2, shuttles - 2 * bank))]:
            for a, b in (("ORD", "DEN"), ("DEN", "ORD")):
                n += 1
                legs.append(leg(n, a, b, at + late, block_min=80))
    return legs


def _builder(legs: list) -> tuple[CandidateBuilder, dict]:
    lost = next(g for g in legs if (g.origin, g.destination) == ("ORD", "DEN"))
    flights = index(*legs)
    flights[lost.leg_id] = replace(lost, status=FlightStatus.CANCELLED)
    d = Disruption("C", 1, DisruptionKind.CANCELLATION, "RB", (lost.leg_id,), T0)
    affected = find_affected(flights, [booking("AAA", (lost,))], [d], S, T0)
    builder = CandidateBuilder(flights, seat_availability(flights, affected, {}), S, T0)
    return builder, builder.build(affected)


def test_itineraries_to_a_hub_do_not_grow_with_the_spokes() -> None:
    few, _ = _builder(_network(12))
    many, cands = _builder(_network(36))
    # Before: every spoke was a back-haul stop (ORD → spoke → DEN) next to the shuttles.
    assert many.itineraries == few.itineraries
    assert all(len(c.segments) == 1 for c in cands["AAA"])


def test_a_longer_way_stays_when_too_few_shorter_ones_beat_it() -> None:
    # One shuttle only, in the first bank (the cancelled one): a spoke is the only way round.
    _, cands = _builder(_network(12, shuttles=1))
    assert cands["AAA"] and all(len(c.segments) == 2 for c in cands["AAA"])


def test_a_plan_runs_without_the_cyclic_collector_and_restores_it(monkeypatch) -> None:
    seen = []

    class Seen(Exception):
        """Ends the plan at its first step, once the collector's state is noted."""

    def first_step(*_args, **_kwargs):
        seen.append(gc.isenabled())
        raise Seen

    monkeypatch.setattr(rebook_module, "find_affected", first_step)
    assert gc.isenabled()
    with pytest.raises(Seen):
        rebook_module.plan_rebooking({}, [], [], {}, {}, S, T0)
    assert seen == [False] and gc.isenabled()  # restored even when the plan raises
    gc.disable()
    try:
        with pytest.raises(Seen):
            rebook_module.plan_rebooking({}, [], [], {}, {}, S, T0)
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()

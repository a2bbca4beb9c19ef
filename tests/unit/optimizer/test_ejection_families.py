"""The ejection search makes room for a party by moving a smaller one; the benchmark families."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.core import CandidateBuilder, OptimizerSettings, find_affected, seat_availability
from rebook.optimizer.core.ejection import eject
from rebook.optimizer.core.regions import Regime
from rebook.tooling.sim.generator import meltdown

from .conftest import T0, booking, index, leg

S = OptimizerSettings()


def test_ejection_moves_a_solo_traveller_to_seat_a_couple() -> None:
    # Two seats on the 13:00, one on the 16:00.  A plan that put the solo traveller on the 13:00
    # strands the couple; moving the solo to the 16:00 seats everyone and costs less.
    bad = leg(1, "FRA", "MUC", 30)
    soon = leg(2, "FRA", "MUC", 60, seats={Cabin.ECONOMY: 2})
    later = leg(3, "FRA", "MUC", 240, seats={Cabin.ECONOMY: 1})
    couple, solo = booking("COUPLE", (bad,), party=2), booking("SOLO", (bad,))
    flights = index(replace(bad, status=FlightStatus.CANCELLED), soon, later)
    cancel = Disruption("C", 1, DisruptionKind.CANCELLATION, "RB", (bad.leg_id,), T0)
    affected = find_affected(flights, [couple, solo], [cancel], S, T0)
    avail = seat_availability(flights, affected, {})
    builder = CandidateBuilder(flights, avail, S, T0)
    cands = builder.build(affected)
    first = {"SOLO": next(c for c in cands["SOLO"] if c.segments[0].leg_id == soon.leg_id), "COUPLE": None}
    result = eject(affected, cands, avail, first, builder.no_option_costs(affected), 1_000)
    assert result.moves == 1 and not result.exhausted
    assert result.assignment["COUPLE"].segments[0].leg_id == soon.leg_id
    assert result.assignment["SOLO"].segments[0].leg_id == later.leg_id
    none = eject(affected, cands, avail, first, builder.no_option_costs(affected), 0)
    assert none.exhausted and none.assignment == first  # the work limit, not the clock, stops it


@pytest.mark.parametrize("name", sorted(meltdown.FAMILIES))
def test_every_family_generates_a_disruption(name: str) -> None:
    family = meltdown.FAMILIES[name]
    flights, bookings, disruptions = meltdown.generate_hub_meltdown(500, 3, family)
    cancelled = disruptions[0].leg_ids
    assert cancelled and all(flights[lid].cancelled for lid in cancelled)
    assert disruptions[0].cause == family.cause
    assert max(b.party_size for b in bookings) <= max(family.party_sizes)
    if family.premium_load:
        premium = [
            (leg.sold[c], leg.capacity[c]) for leg in flights.values() for c in leg.capacity if c > Cabin.ECONOMY
        ]
        assert all(sold >= 0.97 * cap - 0.5 for sold, cap in premium)
    if family.all_cancelled_spokes:
        start = meltdown.storm_now(family)
        end = family.first_bank + family.storm_banks[-1] * meltdown.BANK_EVERY + timedelta(minutes=70)
        by_spoke: dict[str, list[bool]] = {}
        for g in flights.values():
            if g.origin == family.hubs[0] and g.destination not in family.hubs and start <= g.departure < end:
                by_spoke.setdefault(g.destination, []).append(g.cancelled)
        cut_off = [spoke for spoke, cancelled in by_spoke.items() if all(cancelled)]
        assert len(cut_off) >= family.all_cancelled_spokes * len(by_spoke) * 0.8


def test_the_eu261_family_departs_from_the_eu_and_owes_compensation() -> None:
    family = meltdown.FAMILIES["eu261"]
    flights, bookings, disruptions = meltdown.generate_hub_meltdown(500, 3, family)
    now = meltdown.storm_now(family)
    affected = find_affected(flights, bookings, disruptions, S, now)
    causes = {lid: d.cause for d in disruptions for lid in d.leg_ids}
    builder = CandidateBuilder(flights, seat_availability(flights, affected, {}), S, now, frozenset(), causes)
    journeys = [builder.journey(a) for a in affected]
    regulated = [j for j in journeys if j.regime in (Regime.EU261, Regime.UK261)]
    assert journeys and len(regulated) >= 0.9 * len(journeys)  # all but journeys from e.g. IST
    assert not any(j.extraordinary for j in journeys)

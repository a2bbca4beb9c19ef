"""Issue 18.4: airline semantics: overbooking is not a down-gauge; partnerships per carrier
and directional; a minimum notice before departure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.convert import offer_to_proto
from rebook.optimizer.core import OptimizerSettings, find_affected, plan_rebooking
from rebook.optimizer.main import load_settings
from rebook.optimizer.offers import OfferPolicy, build_offer
from rebook.runtime.config import ConfigError, Env

from .conftest import T0, booking, index, leg

S = OptimizerSettings()


def _d(kind: DisruptionKind, g, **kw) -> Disruption:
    return Disruption(f"{kind.name}:{g.leg_id}", 1, kind, "RB", (g.leg_id,), T0, **kw)


def test_overbooking_is_not_a_downgauge() -> None:
    over = leg(1, "FRA", "LHR", 120, seats={Cabin.ECONOMY: 10}, sold={Cabin.ECONOMY: 12})
    parties = [booking(f"OVER{i}", (over,)) for i in range(12)]
    late = _d(DisruptionKind.DELAY, over, new_departure=over.departure + timedelta(minutes=20))
    assert find_affected(index(over), parties, [late], S, T0) == []  # nobody moved off for a delay
    smaller = replace(over, capacity={Cabin.ECONOMY: 8})
    gauge = _d(DisruptionKind.DOWNGAUGE, over, old_capacity={Cabin.ECONOMY: 10}, new_capacity={Cabin.ECONOMY: 8})
    moved = find_affected(index(smaller), parties, [gauge], S, T0)
    assert len(moved) == 2  # the two seats lost, not the four above capacity


def test_partnerships_are_per_carrier_and_directional() -> None:
    gone = replace(leg(1, "FRA", "JFK", 0), status=FlightStatus.CANCELLED)
    on_aa = leg(2, "FRA", "JFK", 180, carrier="AA")
    on_xy = leg(3, "FRA", "JFK", 120, carrier="XY")
    rb, aa = booking("RBPAX", (gone,)), replace(booking("AAPAX", (gone,)), carrier="AA")
    flights = index(gone, on_aa, on_xy)
    settings = replace(S, partnerships={"RB": frozenset({"AA"})}, min_notice=timedelta(0))
    plan = plan_rebooking(flights, [rb, aa], [_d(DisruptionKind.CANCELLATION, gone)], {}, {}, settings, T0)
    by = {o.record_locator: o for o in plan.options}
    assert by["RBPAX"].primary.segments[0].leg_id == on_aa.leg_id  # RB onto AA: yes
    assert by["AAPAX"].primary is not None and by["AAPAX"].primary.segments[0].leg_id == on_aa.leg_id
    assert all(c.segments[0].leg_id != on_xy.leg_id for o in plan.options for c in (o.primary, *o.alternatives))
    one_way = plan_rebooking(
        index(gone, on_xy),
        [aa],
        [_d(DisruptionKind.CANCELLATION, gone)],
        {},
        {},
        replace(settings, partnerships={"XY": frozenset({"AA"})}),
        T0,
    )
    assert one_way.options[0].primary is None  # XY may move onto AA; that lets no AA passenger onto XY


def test_interline_is_a_separate_costed_option() -> None:
    gone = replace(leg(1, "FRA", "JFK", 0), status=FlightStatus.CANCELLED)
    on_xy = leg(3, "FRA", "JFK", 120, carrier="XY")
    settings = replace(S, interline={"RB": frozenset({"XY"})}, min_notice=timedelta(0))
    plan = plan_rebooking(
        index(gone, on_xy), [booking("INTER", (gone,))], [_d(DisruptionKind.CANCELLATION, gone)], {}, {}, settings, T0
    )
    primary = plan.options[0].primary
    assert primary.interline and primary.segments[0].leg_id == on_xy.leg_id
    offer = build_offer(plan.options[0], _d(DisruptionKind.CANCELLATION, gone), OfferPolicy(), T0)
    assert offer_to_proto(offer, index(gone, on_xy)).options[0].interline
    as_partner = replace(settings, interline={}, partnerships={"RB": frozenset({"XY"})})
    plain = (
        plan_rebooking(
            index(gone, on_xy),
            [booking("INTER", (gone,))],
            [_d(DisruptionKind.CANCELLATION, gone)],
            {},
            {},
            as_partner,
            T0,
        )
        .options[0]
        .primary
    )
    assert not plain.interline and primary.cost == plain.cost + settings.interline_cost


def test_minimum_notice_before_departure() -> None:
    """Known at 12:00: the 12:40 is too soon to be the primary (60 min notice), the 13:30 is not."""
    gone = replace(leg(1, "FRA", "JFK", 0), status=FlightStatus.CANCELLED)
    soon, later = leg(2, "FRA", "JFK", 40), leg(3, "FRA", "JFK", 90)
    cancel = [_d(DisruptionKind.CANCELLATION, gone)]
    [option] = plan_rebooking(index(gone, soon, later), [booking("NOTICE", (gone,))], cancel, {}, {}, S, T0).options
    assert option.primary.segments[0].leg_id == later.leg_id
    quick = replace(S, min_notice_by_carrier={"RB": timedelta(minutes=30)})
    [option] = plan_rebooking(index(gone, soon, later), [booking("NOTICE", (gone,))], cancel, {}, {}, quick, T0).options
    assert option.primary.segments[0].leg_id == soon.leg_id


def test_the_global_partner_list_is_refused() -> None:
    with pytest.raises(ConfigError, match="PARTNERSHIPS"):
        load_settings(Env({"REBOOK_OPTIMIZER_PARTNERS": "AA,MQ"}))
    settings = load_settings(
        Env({"REBOOK_OPTIMIZER_PARTNERSHIPS": "RB=AA/MQ,AA=MQ", "REBOOK_OPTIMIZER_MIN_NOTICE_BY_CARRIER": "RB=45m"})
    )
    assert settings.partnerships == {"RB": frozenset({"AA", "MQ"}), "AA": frozenset({"MQ"})}
    assert settings.notice_for("RB") == timedelta(minutes=45) and settings.notice_for("AA") == timedelta(hours=1)

"""Issue 14.7: parties and groups.  Families and small parties are never split; a large group
may travel on several flights as a last resort, each sub-group whole, at a cost per split."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.flightops.events import Cancellation, FlightEvent
from rebook.optimizer.convert import offer_from_proto
from rebook.optimizer.core import OptimizerSettings, plan_rebooking
from rebook.optimizer.core.cost_settings import CostSettings
from rebook.optimizer.core.costs import option_cost
from rebook.optimizer.main import load_settings
from rebook.optimizer.offer_answers import respond
from rebook.optimizer.offers import OfferStatus, ResponseKind
from rebook.runtime.config import ConfigError, Env
from rebook.tooling.solve_cli import AcceptPolicy, human_line, solve_scenario

from .conftest import T0, booking, index, leg
from .scenarios import write_scenario

S = OptimizerSettings()


def _cancel(*legs) -> list[Disruption]:
    return [Disruption("CANCELLATION:x", 1, DisruptionKind.CANCELLATION, "RB", tuple(g.leg_id for g in legs), T0)]


def _storm(party: int, seats: tuple[int, ...], hours: tuple[float, ...]):
    """A cancelled DEN→ORD flight with a party of ``party``; later flights with ``seats`` free,
    leaving ``hours`` after it."""
    gone = replace(leg(1, "DEN", "ORD", 60), status=FlightStatus.CANCELLED)
    later = [
        leg(2 + i, "DEN", "ORD", 60 + int(h * 60), seats={Cabin.ECONOMY: n})
        for i, (n, h) in enumerate(zip(seats, hours, strict=True))
    ]
    return index(gone, *later), [booking("GROUP1", (gone,), party=party)], _cancel(gone), later


def test_a_group_no_flight_can_take_whole_travels_on_two() -> None:
    """A group of 24, two flights with 14 and 12 free seats: before, nobody was placed."""
    flights, bookings, disruptions, (first, second) = _storm(24, (14, 12), (2, 4))
    plan = plan_rebooking(flights, bookings, disruptions, {}, {}, S, T0)
    [option] = plan.options
    assert [len(p.passenger_ids) for p in option.split] == [14, 10]
    assert [p.candidate.segments[0].leg_id for p in option.split] == [first.leg_id, second.leg_id]
    ids = [p.passenger_id for p in bookings[0].passengers]
    assert [i for p in option.split for i in p.passenger_ids] == ids  # everyone, once, in order
    assert option.primary == option.split[0].candidate and option.unseated is None
    solution = plan.stats.solution
    assert plan.stats.groups_split == 1 and solution.unaccommodated == 0
    parts = sum(p.candidate.cost for p in option.split)
    assert abs(solution.objective - (parts + S.costs.split_group)) < 1e-6  # one split, counted
    assert "your group of 24 travels on two flights: 14 on the " in option.explanation
    assert ", 10 on the " in option.explanation
    again = plan_rebooking(flights, bookings, disruptions, {}, {}, S, T0)
    assert again.options == plan.options  # deterministic


def test_families_and_small_parties_are_never_split() -> None:
    flights, bookings, disruptions, _ = _storm(6, (4, 4), (2, 4))
    [option] = plan_rebooking(flights, bookings, disruptions, {}, {}, S, T0).options
    assert option.split == () and option.primary is None  # nobody placed rather than split
    flights, bookings, disruptions, _ = _storm(24, (14, 12), (2, 4))
    never = replace(S, group_split_min_party=0)
    [option] = plan_rebooking(flights, bookings, disruptions, {}, {}, never, T0).options
    assert option.split == () and option.primary is None


def test_a_group_is_split_only_when_that_saves_more_than_the_split_costs() -> None:
    """12 travellers: 10 seats in 1 h, room for all 12 in 7 h.  Ten arriving six hours earlier
    are worth more than one split; with a dear split the group waits and travels whole."""
    flights, bookings, disruptions, (soon, late) = _storm(12, (10, 12), (1, 7))
    [option] = plan_rebooking(flights, bookings, disruptions, {}, {}, S, T0).options
    assert [len(p.passenger_ids) for p in option.split] == [10, 2]
    assert option.split[0].candidate.segments[0].leg_id == soon.leg_id
    dear = replace(S, costs=CostSettings(split_group=50_000.0))
    [option] = plan_rebooking(flights, bookings, disruptions, {}, {}, dear, T0).options
    assert option.split == () and option.primary.segments[0].leg_id == late.leg_id


def test_the_greedy_baseline_keeps_groups_whole() -> None:
    flights, bookings, disruptions, _ = _storm(24, (14, 12), (2, 4))
    greedy = replace(S, solver="greedy")
    plan = plan_rebooking(flights, bookings, disruptions, {}, {}, greedy, T0)
    assert plan.options[0].split == () and plan.stats.groups_split == 0
    best = plan_rebooking(flights, bookings, disruptions, {}, {}, S, T0)
    assert best.stats.solution.objective < plan.stats.solution.objective


def _group_folder(tmp_path: Path) -> Path:
    gone, first, second = leg(1, "DEN", "ORD", 60), leg(2, "DEN", "ORD", 180), leg(3, "DEN", "ORD", 300)
    first, second = replace(first, capacity={Cabin.ECONOMY: 14}), replace(second, capacity={Cabin.ECONOMY: 12})
    events = [FlightEvent("ev-cnl", gone.leg_id, T0 - timedelta(hours=1), Cancellation("crew"))]
    return write_scenario(tmp_path, [gone, first, second], [booking("GROUP1", (gone,), party=24)], events)


def test_rebook_solve_reports_the_split_and_its_offer_holds_every_sub_group(tmp_path: Path) -> None:
    """One offer for the booking (keyed by its record locator, as the notifier and the passenger
    stream expect): its primary is one held option per sub-group, with their passengers."""
    summary, messages = solve_scenario(_group_folder(tmp_path), "optimal", None)
    assert summary["groups_split"] == 1 and summary["passengers_with_option"] == 24
    assert "1 group split across flights" in human_line(summary)
    [message] = messages
    parts = [o for o in message.options if o.passenger_ids]
    assert [len(o.passenger_ids) for o in parts] == [14, 10] and all(o.held for o in parts)
    assert sorted(i for o in parts for i in o.passenger_ids) == sorted(message.passenger_ids)
    assert sorted((h.leg_id[:3], h.seats) for h in message.holds) == [("RB2", 14), ("RB3", 10)]
    assert "your group of 24 travels on two flights: 14 on the " in message.explanation
    offer = offer_from_proto(message)
    assert offer.split and [o.option_id for o in offer.held_options] == ["opt-1", "opt-2"]
    # Priced from what the offer carries, as the optimizer priced the plan: the split counted.
    sub = sum(
        option_cost(
            S.costs,
            24.0 * len(o.passenger_ids) / 24,
            len(o.passenger_ids),
            o.delay.total_seconds() / 60,
            o.entitlements,
            False,
        )
        for o in offer.held_options
    )
    assert abs(summary["total_cost"] - round(sub + S.costs.split_group, 1)) < 0.11
    greedy, _ = solve_scenario(_group_folder(tmp_path / "greedy"), "greedy", None)
    assert greedy["groups_split"] == 0 and greedy["passengers_with_option"] == 0


def test_accepting_a_split_offer_keeps_every_sub_groups_seats(tmp_path: Path) -> None:
    _, messages = solve_scenario(_group_folder(tmp_path), "optimal", None)
    offer = offer_from_proto(messages[0])
    for kind, option in ((ResponseKind.ACCEPT, ""), (ResponseKind.SWITCH, "opt-2")):
        answered = respond(offer, f"r-{kind}", kind, option, {}, offer.create_time)
        assert answered.status == OfferStatus.ACCEPTED and answered.holds == offer.holds
        assert answered.held_options == offer.held_options
    refunded = respond(offer, "r-refund", ResponseKind.REFUND, "", {}, offer.create_time)
    assert refunded.holds == () and refunded.held_options == ()


def test_a_later_batch_does_not_take_a_split_groups_seats(tmp_path: Path) -> None:
    """Online (batches as they come, nobody answering): the split offer keeps its sub-groups'
    seats; a party disrupted later gets what is left, never the group's."""
    gone, first, second = leg(1, "DEN", "ORD", 60), leg(2, "DEN", "ORD", 180), leg(3, "DEN", "ORD", 300)
    first, second = replace(first, capacity={Cabin.ECONOMY: 14}), replace(second, capacity={Cabin.ECONOMY: 12})
    also = leg(4, "DEN", "ORD", 120)
    events = [
        FlightEvent("ev-cnl", gone.leg_id, T0 - timedelta(hours=1), Cancellation("crew")),
        FlightEvent("ev-cnl-2", also.leg_id, T0 - timedelta(minutes=30), Cancellation("crew")),
    ]
    bookings = [booking("GROUP1", (gone,), party=24), booking("PAIR01", (also,), party=2)]
    folder = write_scenario(tmp_path, [gone, first, second, also], bookings, events)
    summary, messages = solve_scenario(folder, "optimal", None, batches=2, accept=AcceptPolicy(share=0.0))
    group = [m for m in messages if m.record_locator == "GROUP1"]
    assert summary["groups_split"] == 1 and group[0].version == 1
    assert all(m.offer_id == group[0].offer_id and m.holds == group[0].holds for m in group)  # never re-planned
    [pair] = [m for m in messages if m.record_locator == "PAIR01"]
    assert [(h.leg_id[:3], h.seats) for h in pair.holds] == [("RB3", 2)]


def test_the_group_size_is_a_setting_read_like_every_other() -> None:
    assert load_settings(Env({})).group_split_min_party == 10
    assert load_settings(Env({"REBOOK_OPTIMIZER_GROUP_SPLIT_SIZE": "20"})).group_split_min_party == 20
    assert not load_settings(Env({"REBOOK_OPTIMIZER_GROUP_SPLIT_SIZE": "0"})).splittable(300)
    with pytest.raises(ConfigError, match="group split size"):
        load_settings(Env({"REBOOK_OPTIMIZER_GROUP_SPLIT_SIZE": "1"}))

"""``rebook bench optimizer``: the optimal solve against the greedy baseline on a hub meltdown.

The instance is the generator's ``meltdown`` profile (``rebook.tooling.sim.generator.meltdown``:
the network, loads, bookings and storm, in families), sized so that about ``passengers``
travellers are disrupted.  ``network_passengers`` reports everyone booked on day one;
``passengers`` the disrupted ones.  ``run_benchmark`` times everything after the instance
exists: finding the affected bookings, seat availability, candidate generation and the solve
(greedy shares the first three).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

from rebook.domain.disruptions import predicted_unusable
from rebook.domain.memory import cyclic_gc_paused
from rebook.optimizer.core.affected import Affected, find_affected
from rebook.optimizer.core.candidate import Candidate
from rebook.optimizer.core.candidates import CandidateBuilder, seat_availability
from rebook.optimizer.core.greedy import solve_greedy
from rebook.optimizer.core.settings import OptimizerSettings
from rebook.optimizer.core.solution import Solution
from rebook.optimizer.core.widening import solve_widening
from rebook.tooling.args import non_negative_int, positive_float, positive_int
from rebook.tooling.sim.generator.meltdown import CARRIER, FAMILIES, generate_hub_meltdown, storm_now


def run_benchmark(passengers: int, seed: int = 1, time_limit: float = 10.0, family: str = "meltdown") -> dict[str, Any]:
    """Solve one meltdown optimally and greedily; wall times include finding the affected
    bookings, seat availability and building candidates, which both methods share.  Money is
    the carrier's (``costs``); ``headroom_captured`` is the share of greedy's distance to the
    bound that the optimizer closed."""
    kind = FAMILIES[family]
    flights, bookings, disruptions = generate_hub_meltdown(passengers, seed, kind)
    settings = OptimizerSettings(time_limit_s=time_limit)
    now = storm_now(kind)
    with cyclic_gc_paused():  # as plan_rebooking runs
        start = time.perf_counter()
        affected = find_affected(flights, bookings, disruptions, settings, now)
        avail = seat_availability(flights, affected, {})
        causes = {lid: d.cause for d in disruptions for lid in d.leg_ids}
        builder = CandidateBuilder(flights, avail, settings, now, predicted_unusable(disruptions), causes)
        candidates = builder.build(affected)
        prep_s = time.perf_counter() - start
        candidates, best = solve_widening(affected, builder, candidates, avail, settings)
        greedy = solve_greedy(affected, {}, avail, settings, builder.no_option_costs(affected), builder)
    disrupted = sum(a.booking.party_size for a in affected)
    headroom = greedy.objective - best.lower_bound
    return {
        "family": family,
        "passengers": disrupted,
        "bookings": len(affected),
        "network_passengers": sum(b.party_size for b in bookings),
        "network_bookings": len(bookings),
        "legs": len(flights),
        "cancelled_legs": len(disruptions[0].leg_ids),
        "candidates": sum(len(c) for c in candidates.values()),  # after widening
        "itineraries": builder.itineraries,  # kept by enumeration, over all route keys
        "candidate_s": round(prep_s, 3),
        "wall_s": round(prep_s + best.wall_s, 3),
        "solve_s": round(best.wall_s, 3),
        "method": best.method,
        "deadline_hit": best.deadline_hit,
        "limits_hit": list(best.limits_hit),
        "phases_s": {"candidates": round(prep_s, 3)} | {k: round(v, 3) for k, v in sorted(best.phases.items())},
        "currency": settings.costs_for(CARRIER).currency,
        "objective": round(best.objective, 1),
        "lower_bound": round(best.lower_bound, 1),
        "bound_kind": "capacity-free" if "greedy-fallback" in best.method else "capacity-aware (LP over candidates)",
        "gap": round(best.gap, 5),
        "owed": owed_by(affected, best, builder),
        **_seated(affected, best, disrupted, ""),
        "groups_split": len(best.splits),
        "greedy_objective": round(greedy.objective, 1),
        "greedy_wall_s": round(prep_s + greedy.wall_s, 3),
        "greedy_owed": owed_by(affected, greedy, builder),
        **_seated(affected, greedy, disrupted, "greedy_"),
        "vs_greedy": round(best.objective / greedy.objective, 4) if greedy.objective else 1.0,
        "headroom_vs_greedy": round(headroom / greedy.objective, 4) if greedy.objective else 0.0,
        "headroom_captured": round((greedy.objective - best.objective) / headroom, 4) if headroom > 1e-6 else None,
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _seated(affected: list, solution: Solution, disrupted: int, prefix: str) -> dict[str, object]:
    """Who has no seat: neither an itinerary nor a split across flights."""
    left = [a for a in affected if _chosen(solution, a) == ()]
    unplaced = sum(a.booking.party_size for a in left)
    return {
        f"{prefix}unaccommodated": len(left),
        f"{prefix}unaccommodated_passengers": unplaced,
        f"{prefix}accommodated_share": round(1 - unplaced / disrupted, 4) if disrupted else 1.0,
    }


def owed_by(affected: list, solution: Solution, builder: CandidateBuilder) -> dict[str, float]:
    """What a plan owes the passengers, summed in the carrier's money: compensation, care,
    downgrade refunds, and the refunds of parties left without a seat."""
    total = {"compensation": 0.0, "care": 0.0, "downgrade_refunds": 0.0, "refunds_no_seat": 0.0}
    for a in affected:
        chosen = _chosen(solution, a)
        c = builder.journey(a).costs
        seated = [(n, cand.entitlements) for n, cand in chosen]
        for n, owed in seated or [(a.booking.party_size, builder.no_option(a)[1])]:
            if owed is None:
                continue
            total["compensation"] += n * owed.compensation_in(c)
            total["care"] += n * owed.care
            total["downgrade_refunds"] += n * owed.downgrade_refund
            total["refunds_no_seat"] += n * owed.refund if not seated else 0.0
    return {k: round(v, 1) for k, v in total.items()}


def _chosen(solution: Solution, a: Affected) -> tuple[tuple[int, Candidate], ...]:
    """(passengers, itinerary) of each part of ``a`` that has a seat: one, a split's, or none."""
    locator = a.booking.record_locator
    if locator in solution.splits:
        return tuple((len(g.passenger_ids), g.candidate) for g in solution.splits[locator])
    chosen = solution.assignment.get(locator)
    return ((a.booking.party_size, chosen),) if chosen is not None else ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``rebook bench optimizer``."""
    parser.add_argument("--passengers", type=positive_int, default=10_000, help="disrupted passengers to aim for")
    parser.add_argument("--seed", type=non_negative_int, default=1, help="random seed of the generated instance")
    parser.add_argument("--time-limit", type=positive_float, default=10.0, help="solver deadline in seconds")
    # argparse formats help with %: a family's "35 %" must reach it escaped.
    families = "; ".join(f"{f.name}: {f.about}" for f in FAMILIES.values()).replace("%", "%%")
    parser.add_argument("--family", choices=sorted(FAMILIES), default="meltdown", help=f"kind of instance ({families})")


def run(args: argparse.Namespace) -> int:
    result = run_benchmark(args.passengers, args.seed, args.time_limit, getattr(args, "family", "meltdown"))
    if not getattr(args, "json", False):
        limits = ", ".join(result["limits_hit"]) or "none"
        phases = ", ".join(f"{k} {v:.2f}s" for k, v in result["phases_s"].items())
        print(f"{result['family']}, {result['passengers']} disrupted passengers:")
        print(f"method {result['method']}, limits hit: {limits}, gap {result['gap']:.2%}, phases: {phases}")
    print(json.dumps(result, indent=None if getattr(args, "json", False) else 2))
    return 0


if __name__ == "__main__":  # python -m rebook.tooling.bench.optimizer --passengers N [--seed S] --json
    cli = argparse.ArgumentParser(description="hub-meltdown benchmark of the optimizer")
    cli.add_argument("--json", action="store_true", help="print only the JSON result")
    add_arguments(cli)
    raise SystemExit(run(cli.parse_args()))

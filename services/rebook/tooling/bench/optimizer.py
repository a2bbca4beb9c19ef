"""A synthetic hub meltdown and a benchmark of the optimal solve against the greedy baseline.

The instance (``generate_hub_meltdown``), sized so that about ``passengers`` travellers are
disrupted:

* **Network.** One carrier with two banked hubs: DEN (primary, where the storm hits) and ORD
  (secondary, banking 45 minutes out of phase) with an inter-hub shuttle in every bank, and
  40-150 real spokes (IATA codes from ``airportsdata``; block times from great-circle
  distance).  Eleven banks a day, 06:00-21:00 Denver time.  A spoke is served from DEN in 1-11
  banks a day (a Zipf-like share of the hub's departures, so ATL or LAX see a flight every
  bank and BZN one; past ~800 daily departures the biggest spokes get two flights per bank),
  from ORD at about 60 % of that.  Each bank slot is an inbound arriving
  5-30 min before the bank and an outbound leaving 40-65 min after it, on an E175, A320,
  B737-800, B737-900, A321 or B777-200.  The whole schedule is repeated on day two, which lies
  inside the 36 h re-accommodation horizon.
* **Loads.** Day one is sold at 80-95 % per cabin, day two at 75-90 % (what a typical
  airline still has two days out), so a storm leaves some but not much room.
* **Bookings.** Day-one seats only (day two's sales are in the ``sold`` counts).  About half of
  every hub departure's seats go to travellers connecting from a feeder that arrived 45 min to
  3 h earlier (the shuttle included); the rest are point to point.  Parties of one to six
  (mean ~1.9), tiers basic to platinum, 2 % wheelchairs, 0.5 % unaccompanied minors.
* **Storm.** From one hour before bank 3 (10:30) through bank 7 (~18:00), a quarter of DEN's
  departures are cancelled together with the return leg of the same aircraft rotation into
  DEN; 15 % of the surviving inbound flights run 40-150 min late, breaking connections; one
  departure is down-gauged to an E175.  Flights before ``storm_now()`` have departed.

``network_passengers`` reports everyone booked on day one; ``passengers`` the disrupted ones.
``run_benchmark`` times everything after the instance exists: finding the affected bookings,
seat availability, candidate generation and the solve (greedy shares the first three).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache

import airportsdata

from rebook.domain.memory import cyclic_gc_paused
from rebook.domain.model import (
    Booking,
    Cabin,
    Disruption,
    DisruptionKind,
    FlightLeg,
    FlightStatus,
    Passenger,
    Segment,
    SpecialService,
    Tier,
    make_leg_id,
)
from rebook.optimizer.core.affected import Affected, find_affected
from rebook.optimizer.core.candidates import Candidate, CandidateBuilder, seat_availability
from rebook.optimizer.core.greedy import solve_greedy
from rebook.optimizer.core.rebook import predicted_unusable, solve_widening
from rebook.optimizer.core.settings import OptimizerSettings
from rebook.optimizer.core.solution import Solution
from rebook.tooling.args import non_negative_int, positive_float, positive_int

CARRIER = "RB"
HUBS = ("DEN", "ORD")
STORM_HUB, SECOND_HUB = HUBS
SPOKES = (  # roughly by size: the first ones get the most frequencies
    *("ATL", "LAX", "DFW", "LAS", "MCO", "SFO", "SEA", "PHX", "IAH", "JFK", "EWR", "LGA", "BOS", "MSP"),
    *("DTW", "CLT", "PHL", "MIA", "FLL", "SAN", "SLC", "DCA", "IAD", "BWI", "TPA", "AUS", "BNA", "PDX"),
    *("STL", "MCI", "MSY", "RDU", "SJC", "SMF", "IND", "CMH", "CLE", "PIT", "MKE", "OKC", "OMA", "ABQ"),
    *("TUS", "ELP", "BOI", "GEG", "ANC", "HNL", "OGG", "BZN", "JAC", "ASE", "EGE", "HDN", "MTJ", "GUC"),
    *("COS", "GJT", "BIL", "FCA", "MSO", "RNO", "ONT", "BUR", "SNA", "PSP", "LGB", "OAK", "SAT", "HOU"),
    *("DAL", "RSW", "PBI", "JAX", "CHS", "SAV", "MEM", "SDF", "CVG", "BUF", "ROC", "SYR", "ALB", "BDL"),
    *("PVD", "ORF", "RIC", "GSO", "BHM", "LIT", "TUL", "ICT", "DSM", "CID", "MSN", "GRR", "FSD", "FAR"),
    *("RAP", "BIS", "LBB", "AMA", "MAF", "CRP", "HRL", "MFE", "BTR", "JAN", "PNS", "VPS", "ECP", "SRQ"),
    *("TLH", "DAY", "CAK", "TYS", "CHA", "XNA", "SGF", "LNK", "SBA", "PSC", "RDM", "MFR", "EUG", "SUN"),
    *("IDA", "CPR", "GCC", "SHR", "RKS", "CYS", "DRO", "MMH", "STS", "FAT", "YYC", "YVR", "YEG", "YYZ"),
    *("YUL", "MEX", "CUN", "SJD", "PVR", "GDL", "KOA", "LIH", "FAI", "LAR"),
)
AIRCRAFT = (  # type, {cabin: seats}, relative frequency
    ("E175", {Cabin.BUSINESS: 12, Cabin.ECONOMY: 64}, 3),
    ("A320", {Cabin.BUSINESS: 12, Cabin.PREMIUM_ECONOMY: 18, Cabin.ECONOMY: 120}, 4),
    ("B738", {Cabin.BUSINESS: 16, Cabin.PREMIUM_ECONOMY: 24, Cabin.ECONOMY: 126}, 3),
    ("B739", {Cabin.BUSINESS: 20, Cabin.PREMIUM_ECONOMY: 36, Cabin.ECONOMY: 123}, 2),
    ("A321", {Cabin.BUSINESS: 20, Cabin.PREMIUM_ECONOMY: 30, Cabin.ECONOMY: 140}, 2),
    ("B772", {Cabin.BUSINESS: 50, Cabin.PREMIUM_ECONOMY: 24, Cabin.ECONOMY: 290}, 1),
)
SHUTTLE = AIRCRAFT[4]
DAY = date(2026, 11, 23)
FIRST_BANK = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 06:00 in Denver
BANKS, BANK_EVERY = 11, timedelta(minutes=90)
SECOND_HUB_OFFSET = timedelta(minutes=45)
STORM_BANKS = range(3, 8)
CANCEL_SHARE = 0.25  # of the hub's departures in the storm window
DELAY_SHARE = 0.15  # of the surviving inbound flights in the storm window
LOAD_DAY1, LOAD_DAY2 = (0.80, 0.95), (0.75, 0.90)
CONNECTING_SHARE = 0.5  # of a hub departure's seats
SECOND_HUB_SHARE = 0.6  # ORD frequencies relative to DEN's
DISRUPTED_PER_DEPARTURE = 27.0  # disrupted travellers per daily DEN departure, measured on this storm
PARTY_SIZES, PARTY_WEIGHTS = (1, 2, 3, 4, 5, 6), (50, 25, 10, 9, 4, 2)
TIERS, TIER_WEIGHTS = (Tier.BASIC, Tier.SILVER, Tier.GOLD, Tier.PLATINUM), (70, 15, 10, 5)
EUROPE = (  # a European network for the EU261 family (departures from the EU owe compensation)
    *("LHR", "CDG", "AMS", "MAD", "BCN", "FCO", "LIS", "VIE", "ZRH", "CPH", "ARN", "OSL", "HEL", "DUB"),
    *("BRU", "PRG", "BUD", "WAW", "ATH", "IST", "MXP", "LIN", "VCE", "NAP", "PMI", "AGP", "ALC", "VLC"),
    *("OPO", "NCE", "LYS", "MRS", "TLS", "BOD", "HAM", "BER", "DUS", "CGN", "STR", "NUE", "LEJ", "DRS"),
    *("HAJ", "BRE", "GVA", "BSL", "KRK", "GDN", "WRO", "SOF", "OTP", "BEG", "ZAG", "LJU", "SKG", "HER"),
    *("RHO", "LCA", "MLA", "EDI", "MAN", "GLA", "BHX", "TFS", "LPA", "FAO", "SVQ", "BIO", "CTA", "PMO"),
)


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of meltdown: where greedy "next flight with seats" does well or badly."""

    name: str
    about: str
    hubs: tuple[str, str] = HUBS
    spokes: tuple[str, ...] = SPOKES
    first_bank: datetime = FIRST_BANK
    storm_banks: range = STORM_BANKS
    cancel_share: float = CANCEL_SHARE
    all_cancelled_spokes: float = 0.0  # share of spokes losing every storm-window DEN departure
    party_sizes: tuple[int, ...] = PARTY_SIZES
    party_weights: tuple[int, ...] = PARTY_WEIGHTS
    tier_weights: tuple[int, ...] = TIER_WEIGHTS
    premium_load: tuple[float, float] | None = None  # premium cabins' loads (else as economy)
    cause: str = "thunderstorms"  # extraordinary: no EU261 compensation


FAMILIES = {
    f.name: f
    for f in (
        Family("meltdown", "a quarter of the hub's departures cancelled over five banks"),
        Family(
            "large-parties", "a multi-bank cancellation (seven banks, 35 %) with parties of up to 15",
            storm_banks=range(2, 9), cancel_share=0.35,
            party_sizes=(1, 2, 3, 4, 6, 8, 10, 12, 15), party_weights=(30, 20, 10, 10, 8, 8, 6, 5, 3),
        ),
        Family(
            "mixed-cabins", "premium cabins sold out (97-100 %) on both days: rescues cost downgrade refunds",
            premium_load=(0.97, 1.0),
        ),
        Family(
            "two-stop", "a third of the spokes lose every storm-window departure from the hub: the rescue "
            "connects through the second hub", all_cancelled_spokes=0.33,
        ),
        Family(
            "priority-groups", "gold and platinum travellers competing with groups of 8-20",
            party_sizes=(1, 2, 3, 8, 12, 20), party_weights=(40, 20, 10, 10, 10, 10), tier_weights=(40, 20, 20, 20),
        ),
        Family(
            "eu261", "a European hub (FRA, MUC) with a technical cause: EU261 compensation and its 3 h threshold",
            hubs=("FRA", "MUC"), spokes=EUROPE, first_bank=datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
            cause="technical fault",
        ),
    )
}  # fmt: skip


def generate_hub_meltdown(
    passengers: int, seed: int, family: Family = FAMILIES["meltdown"]
) -> tuple[dict[str, FlightLeg], list[Booking], list[Disruption]]:
    """A meltdown disrupting about ``passengers`` travellers (see the module docstring): the
    flights of days one and two, the day-one bookings, and the disruptions; the flights view
    already reflects them, as the detector's would."""
    rng = random.Random(seed)
    departures = max(20.0, passengers / DISRUPTED_PER_DEPARTURE)  # daily DEN departures
    spokes = family.spokes[: max(40, min(len(family.spokes), round(departures / 7)))]
    flights = _schedule(rng, spokes, departures, family)
    bookings = _bookings(rng, flights, family)
    flights, disruptions = _storm(rng, flights, family)
    return flights, bookings, disruptions


def storm_now(family: Family = FAMILIES["meltdown"]) -> datetime:
    """The moment the storm plan is known: an hour before its first bank."""
    return family.first_bank + family.storm_banks[0] * BANK_EVERY - timedelta(hours=1)


@cache
def _ports() -> dict[str, dict]:
    return airportsdata.load("IATA")


def _block_time(a: str, b: str) -> timedelta:
    ports = _ports()
    pa, pb = ports[a], ports[b]
    lat1, lat2 = math.radians(pa["lat"]), math.radians(pb["lat"])
    dlon = math.radians(pb["lon"] - pa["lon"])
    km = 6371 * math.acos(min(1.0, math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(dlon)))
    return timedelta(minutes=round(35 + km / 13.5))  # taxi + ~810 km/h cruise


def _frequencies(spokes: tuple[str, ...], departures: float) -> dict[str, int]:
    """Daily DEN departures per spoke: a Zipf-like share of the total, one to ``per_bank`` per
    bank.  One flight per bank caps the whole network at ~1,100 daily departures (~34k
    disrupted travellers); past half the one-per-bank maximum of all spokes, the hub runs
    double banks (two flights per bank to its biggest spokes), so large meltdowns reach
    their size."""
    per_bank = 1 if departures <= len(SPOKES) * BANKS / 2 else 2
    weights = [1 / (i + 6) for i in range(len(spokes))]
    scale = departures / sum(weights)
    return {s: max(1, min(per_bank * BANKS, round(w * scale))) for s, w in zip(spokes, weights, strict=True)}


def _schedule(rng: random.Random, spokes: tuple[str, ...], departures: float, family: Family) -> dict[str, FlightLeg]:
    """Banked slots hub<->spoke and hub<->hub (an inbound before, an outbound after the bank),
    repeated on day two."""
    slots: list[tuple[str, str, int]] = []  # hub, spoke, bank
    for spoke, freq in _frequencies(spokes, departures).items():
        for hub, f in ((family.hubs[0], freq), (family.hubs[1], max(1, round(freq * SECOND_HUB_SHARE)))):
            first = rng.random()
            slots.extend((hub, spoke, int((k + first) * BANKS / f)) for k in range(f))
    hubs = family.hubs
    slots.extend((hub, other, bank) for bank in range(BANKS) for hub, other in (hubs, hubs[::-1]))
    flights: dict[str, FlightLeg] = {}
    number = 100
    for hub, spoke, bank in slots:
        shuttle = spoke in hubs
        kind, cabins, _ = SHUTTLE if shuttle else rng.choices(AIRCRAFT, [a[2] for a in AIRCRAFT])[0]
        block = _block_time(hub, spoke)
        at = family.first_bank + bank * BANK_EVERY + SECOND_HUB_OFFSET * (hub == hubs[1])
        out_dep = at + timedelta(minutes=rng.randint(40, 65))
        in_arr = at - timedelta(minutes=rng.randint(5, 30))
        legs = ((hub, spoke, out_dep),) if shuttle else ((hub, spoke, out_dep), (spoke, hub, in_arr - block))
        for day, load in ((0, LOAD_DAY1), (1, LOAD_DAY2)):
            for origin, dest, dep in legs:
                number += 1
                when = dep + timedelta(days=day)
                loads = {c: family.premium_load if family.premium_load and c > Cabin.ECONOMY else load for c in cabins}
                leg = _leg(rng, number, origin, dest, when, DAY + timedelta(days=day), block, kind, cabins, loads)
                flights[leg.leg_id] = leg
    return flights


def _leg(
    rng: random.Random,
    number: int,
    origin: str,
    dest: str,
    dep: datetime,
    day: date,
    block: timedelta,
    kind: str,
    cabins: Mapping[Cabin, int],
    loads: Mapping[Cabin, tuple[float, float]],
) -> FlightLeg:
    sold = {c: round(n * rng.uniform(*loads[c])) for c, n in cabins.items()}
    fn = str(number)
    return FlightLeg(
        make_leg_id(CARRIER, fn, day, origin),
        CARRIER,
        fn,
        day,  # the local (Denver) operating day
        origin,
        dest,
        dep,
        dep + block,
        dict(cabins),
        sold,
        tail_number=f"N{number}",
        aircraft_type=kind,
    )


def _bookings(rng: random.Random, flights: dict[str, FlightLeg], family: Family) -> list[Booking]:
    """Fill day-one seats to their sold counts: half of each hub departure with connections."""
    left = {(lid, c): n for lid, leg in flights.items() if leg.operating_date == DAY for c, n in leg.sold.items()}
    day1 = sorted((leg for leg in flights.values() if leg.operating_date == DAY), key=lambda g: g.leg_id)
    inbound: dict[str, list[FlightLeg]] = {}
    for leg in day1:
        if leg.destination in family.hubs:
            inbound.setdefault(leg.destination, []).append(leg)
    bookings: list[Booking] = []
    for out in (g for g in day1 if g.origin in family.hubs):
        feeders = [
            i
            for i in inbound.get(out.origin, ())
            if i.origin != out.destination and timedelta(minutes=45) <= out.departure - i.arrival <= timedelta(hours=3)
        ]
        for cabin in out.capacity:
            want = int(left[(out.leg_id, cabin)] * CONNECTING_SHARE)
            open_feeders = [f for f in feeders if left.get((f.leg_id, cabin), 0) > 0]
            while want > 0 and open_feeders:
                feeder = rng.choice(open_feeders)
                n = min(_party(rng, family), want, left[(feeder.leg_id, cabin)])
                bookings.append(_booking(rng, family, len(bookings), n, (feeder, out), cabin))
                left[(feeder.leg_id, cabin)] -= n
                left[(out.leg_id, cabin)] -= n
                want -= n
                if not left[(feeder.leg_id, cabin)]:
                    open_feeders.remove(feeder)
    for leg in day1:  # everything else: point to point
        for cabin in leg.capacity:
            while left[(leg.leg_id, cabin)] > 0:
                n = min(_party(rng, family), left[(leg.leg_id, cabin)])
                bookings.append(_booking(rng, family, len(bookings), n, (leg,), cabin))
                left[(leg.leg_id, cabin)] -= n
    return bookings


def _party(rng: random.Random, family: Family) -> int:
    return rng.choices(family.party_sizes, family.party_weights)[0]


def _booking(rng: random.Random, family: Family, i: int, n: int, legs: tuple[FlightLeg, ...], cabin: Cabin) -> Booking:
    locator = f"{i:06X}"
    pax = tuple(Passenger(f"{locator}-{k}", rng.choices(TIERS, family.tier_weights)[0], _needs(rng)) for k in range(n))
    return Booking(locator, pax, tuple(Segment(g.leg_id, cabin) for g in legs), carrier=CARRIER)


def _needs(rng: random.Random) -> frozenset[SpecialService]:
    r = rng.random()
    if r < 0.02:
        return frozenset({SpecialService.WHEELCHAIR})
    return frozenset({SpecialService.UNACCOMPANIED_MINOR}) if r < 0.025 else frozenset()


def _storm(
    rng: random.Random, flights: dict[str, FlightLeg], family: Family
) -> tuple[dict[str, FlightLeg], list[Disruption]]:
    """Cancel a share of the storm-window hub departures (every one to some spokes, in the
    two-stop family) and the rotation back into the hub of each; delay some surviving inbound
    flights; down-gauge one departure; mark what already flew as departed."""
    hub, now = family.hubs[0], storm_now(family)
    start, end = now, family.first_bank + family.storm_banks[-1] * BANK_EVERY + timedelta(minutes=70)
    out = {
        lid: replace(g, status=FlightStatus.DEPARTED, actual_off_block=g.departure) if g.departure < now else g
        for lid, g in flights.items()
    }
    returns: dict[str, list[FlightLeg]] = {}  # spoke -> its flights into the hub, by departure
    for g in sorted(flights.values(), key=lambda g: (g.departure, g.leg_id)):
        if g.destination == hub:
            returns.setdefault(g.origin, []).append(g)
    window = sorted(lid for lid, g in flights.items() if start <= g.departure < end)
    hub_out = [lid for lid in window if flights[lid].origin == hub]
    cancelled: set[str] = set(rng.sample(hub_out, round(family.cancel_share * len(hub_out))))
    spokes = sorted({flights[lid].destination for lid in hub_out} - set(family.hubs))
    cut_off = set(spokes[:: max(1, round(1 / family.all_cancelled_spokes))]) if family.all_cancelled_spokes else set()
    cancelled |= {lid for lid in hub_out if flights[lid].destination in cut_off}
    for lid in sorted(cancelled):
        leg = flights[lid]
        back = next((r for r in returns.get(leg.destination, ()) if r.departure >= leg.arrival + leg.min_turn), None)
        if back is not None and back.operating_date == DAY:
            cancelled.add(back.leg_id)
    for lid in cancelled:  # a return leg may lie past the window
        out[lid] = replace(flights[lid], status=FlightStatus.CANCELLED)
    delayed, gauged = [], []
    for lid in window:
        leg = flights[lid]
        if lid in cancelled:
            continue
        if leg.destination == hub and rng.random() < DELAY_SHARE:
            late = timedelta(minutes=rng.randint(40, 150))
            out[lid] = replace(
                leg,
                status=FlightStatus.DELAYED,
                estimated_departure=leg.departure + late,
                estimated_arrival=leg.arrival + late,
            )
            delayed.append(lid)
        elif not gauged and leg.origin == hub and leg.aircraft_type in ("A321", "B739"):
            smaller = dict(AIRCRAFT[0][1])
            out[lid] = replace(leg, capacity=smaller, aircraft_type=AIRCRAFT[0][0])
            gauged.append(lid)
    cancellation = Disruption(
        f"STORM:{hub}", 1, DisruptionKind.CANCELLATION, CARRIER, tuple(sorted(cancelled)), now, cause=family.cause
    )
    disruptions = [
        cancellation,
        Disruption(f"DELAY:{hub}", 1, DisruptionKind.DELAY, CARRIER, tuple(delayed), now),
        Disruption(f"DOWNGAUGE:{hub}", 1, DisruptionKind.DOWNGAUGE, CARRIER, tuple(gauged), now),
    ]
    return out, disruptions


def run_benchmark(
    passengers: int, seed: int = 1, time_limit: float = 10.0, family: str = "meltdown"
) -> dict[str, object]:
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

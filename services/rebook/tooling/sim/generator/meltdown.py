"""The hub meltdown (``rebook bench optimizer``'s instances, in families): ``generate_hub_meltdown``
sized so that about ``passengers`` travellers are disrupted:

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

The instances are what the optimizer's numbers are measured on across sessions: for a seed and
a family they must not change (``tests/unit/tooling/sim/test_generator_pins.py``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from rebook.domain.model import (
    Booking,
    Cabin,
    Disruption,
    DisruptionKind,
    FlightLeg,
    FlightStatus,
    Passenger,
    Segment,
    Tier,
)

from .bookings import Feeders, Needs, Travellers, fill_seats
from .fleet import AircraftType, Pick, make_leg
from .geo import cruise_minutes

CARRIER = "RB"
HUBS = ("DEN", "ORD")
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
J, W, Y = Cabin.BUSINESS, Cabin.PREMIUM_ECONOMY, Cabin.ECONOMY
AIRCRAFT = (  # every type turns in the legs' default 45 minutes
    AircraftType("E175", {J: 12, Y: 64}, weight=3),
    AircraftType("A320", {J: 12, W: 18, Y: 120}, weight=4),
    AircraftType("B738", {J: 16, W: 24, Y: 126}, weight=3),
    AircraftType("B739", {J: 20, W: 36, Y: 123}, weight=2),
    AircraftType("A321", {J: 20, W: 30, Y: 140}, weight=2),
    AircraftType("B772", {J: 50, W: 24, Y: 290}, weight=1),
)
SHUTTLE = AIRCRAFT[4]
_AIRCRAFT = Pick(AIRCRAFT, [a.weight for a in AIRCRAFT])
DAY = date(2026, 11, 23)
FIRST_BANK = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 06:00 in Denver
BANKS, BANK_EVERY = 11, timedelta(minutes=90)
SECOND_HUB_OFFSET = timedelta(minutes=45)
STORM_BANKS = range(3, 8)
CANCEL_SHARE = 0.25  # of the hub's departures in the storm window
DELAY_SHARE = 0.15  # of the surviving inbound flights in the storm window
LOAD_DAY1, LOAD_DAY2 = (0.80, 0.95), (0.75, 0.90)
CONNECTING_SHARE = 0.5  # of a hub departure's seats
MCT, MAX_CONNECTION = timedelta(minutes=45), timedelta(hours=3)
SECOND_HUB_SHARE = 0.6  # ORD frequencies relative to DEN's
DISRUPTED_PER_DEPARTURE = 27.0  # disrupted travellers per daily DEN departure, measured on this storm
PARTY_SIZES, PARTY_WEIGHTS = (1, 2, 3, 4, 5, 6), (50, 25, 10, 9, 4, 2)
TIERS, TIER_WEIGHTS = (Tier.BASIC, Tier.SILVER, Tier.GOLD, Tier.PLATINUM), (70, 15, 10, 5)
NEEDS = Needs(wheelchair=0.02, minor=0.025, minor_alone=False)
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
            "large-parties",
            "a multi-bank cancellation (seven banks, 35 %) with parties of up to 15",
            storm_banks=range(2, 9),
            cancel_share=0.35,
            party_sizes=(1, 2, 3, 4, 6, 8, 10, 12, 15),
            party_weights=(30, 20, 10, 10, 8, 8, 6, 5, 3),
        ),
        Family(
            "mixed-cabins",
            "premium cabins sold out (97-100 %) on both days: rescues cost downgrade refunds",
            premium_load=(0.97, 1.0),
        ),
        Family(
            "two-stop",
            "a third of the spokes lose every storm-window departure from the hub: the rescue "
            "connects through the second hub",
            all_cancelled_spokes=0.33,
        ),
        Family(
            "priority-groups",
            "gold and platinum travellers competing with groups of 8-20",
            party_sizes=(1, 2, 3, 8, 12, 20),
            party_weights=(40, 20, 10, 10, 10, 10),
            tier_weights=(40, 20, 20, 20),
        ),
        Family(
            "eu261",
            "a European hub (FRA, MUC) with a technical cause: EU261 compensation and its 3 h threshold",
            hubs=("FRA", "MUC"),
            spokes=EUROPE,
            first_bank=datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
            cause="technical fault",
        ),
    )
}


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


def block_time(a: str, b: str) -> timedelta:
    """35 minutes of taxi plus the cruise, to the minute."""
    return timedelta(minutes=round(35 + cruise_minutes(a, b)))


def frequencies(spokes: tuple[str, ...], departures: float) -> dict[str, int]:
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
    for spoke, freq in frequencies(spokes, departures).items():
        for hub, f in ((family.hubs[0], freq), (family.hubs[1], max(1, round(freq * SECOND_HUB_SHARE)))):
            first = rng.random()
            slots.extend((hub, spoke, int((k + first) * BANKS / f)) for k in range(f))
    hubs = family.hubs
    slots.extend((hub, other, bank) for bank in range(BANKS) for hub, other in (hubs, hubs[::-1]))
    flights: dict[str, FlightLeg] = {}
    number = 100
    for hub, spoke, bank in slots:
        shuttle = spoke in hubs
        kind = SHUTTLE if shuttle else _AIRCRAFT(rng)
        block = block_time(hub, spoke)
        at = family.first_bank + bank * BANK_EVERY + SECOND_HUB_OFFSET * (hub == hubs[1])
        out_dep = at + timedelta(minutes=rng.randint(40, 65))
        in_arr = at - timedelta(minutes=rng.randint(5, 30))
        legs = ((hub, spoke, out_dep),) if shuttle else ((hub, spoke, out_dep), (spoke, hub, in_arr - block))
        for day, load in ((0, LOAD_DAY1), (1, LOAD_DAY2)):
            loads = {c: family.premium_load if family.premium_load and c > Cabin.ECONOMY else load for c in kind.cabins}
            for origin, dest, dep in legs:
                number += 1
                when = dep + timedelta(days=day)
                sold = _sold(rng, kind.cabins, loads)
                operating = DAY + timedelta(days=day)  # the local (Denver) day
                tail = f"N{number}"  # each slot its own aircraft
                leg = make_leg(CARRIER, number, operating, (origin, dest), (when, when + block), kind, tail, sold)
                flights[leg.leg_id] = leg
    return flights


def _sold(
    rng: random.Random, cabins: Mapping[Cabin, int], loads: Mapping[Cabin, tuple[float, float]]
) -> dict[Cabin, int]:
    return {c: round(n * rng.uniform(*loads[c])) for c, n in cabins.items()}


def _travellers(family: Family) -> Travellers:
    """Sequential record locators, passengers named after them, the family's parties and tiers."""
    tier = Pick(TIERS, family.tier_weights)
    made = 0

    def book(rng: random.Random, size: int, segments: tuple[Segment, ...], cabin: Cabin) -> Booking:
        nonlocal made
        locator = f"{made:06X}"
        made += 1
        pax = tuple(Passenger(f"{locator}-{k}", tier(rng), NEEDS.of(rng.random(), size)) for k in range(size))
        return Booking(locator, pax, segments, carrier=CARRIER)

    def connecting(rng: random.Random, seats: int) -> int:
        return int(seats * CONNECTING_SHARE)

    return Travellers(connecting, Pick(family.party_sizes, family.party_weights), book)


def _bookings(rng: random.Random, flights: dict[str, FlightLeg], family: Family) -> list[Booking]:
    """Fill day-one seats to their sold counts: half of each hub departure with connections."""
    day1 = sorted((leg for leg in flights.values() if leg.operating_date == DAY), key=lambda g: g.leg_id)
    left = {(leg.leg_id, c): n for leg in day1 for c, n in leg.sold.items()}
    feeders = Feeders(day1, dict.fromkeys(family.hubs, MCT), MAX_CONNECTION)
    return list(fill_seats(rng, day1, left, feeders, _travellers(family)))


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
    window = sorted(lid for lid, g in flights.items() if start <= g.departure < end)
    cancelled = _cancelled(rng, flights, window, family)
    for lid in cancelled:  # a return leg may lie past the window
        out[lid] = replace(flights[lid], status=FlightStatus.CANCELLED)
    delayed, gauged = _late_and_gauged(rng, flights, out, [lid for lid in window if lid not in cancelled], hub)
    cancellation = Disruption(
        f"STORM:{hub}", 1, DisruptionKind.CANCELLATION, CARRIER, tuple(sorted(cancelled)), now, cause=family.cause
    )
    disruptions = [
        cancellation,
        Disruption(f"DELAY:{hub}", 1, DisruptionKind.DELAY, CARRIER, tuple(delayed), now),
        Disruption(f"DOWNGAUGE:{hub}", 1, DisruptionKind.DOWNGAUGE, CARRIER, tuple(gauged), now),
    ]
    return out, disruptions


def _cancelled(rng: random.Random, flights: dict[str, FlightLeg], window: list[str], family: Family) -> set[str]:
    """The hub's cancelled departures in the window and, for each, the next flight back into
    the hub from its destination (on day one)."""
    hub = family.hubs[0]
    returns: dict[str, list[FlightLeg]] = {}  # spoke -> its flights into the hub, by departure
    for g in sorted(flights.values(), key=lambda g: (g.departure, g.leg_id)):
        if g.destination == hub:
            returns.setdefault(g.origin, []).append(g)
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
    return cancelled


def _late_and_gauged(
    rng: random.Random, flights: dict[str, FlightLeg], out: dict[str, FlightLeg], flying: list[str], hub: str
) -> tuple[list[str], list[str]]:
    """Some of the ``flying`` legs into the hub run late; the first big departure of the hub
    not late is down-gauged to the smallest type.  Writes their new state into ``out``."""
    delayed: list[str] = []
    gauged: list[str] = []
    for lid in flying:
        leg = flights[lid]
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
            smaller = dict(AIRCRAFT[0].cabins)
            out[lid] = replace(leg, capacity=smaller, aircraft_type=AIRCRAFT[0].code)
            gauged.append(lid)
    return delayed, gauged

"""Tunable knobs of the rebooking core, with defaults an airline ops desk would start from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from rebook.domain.model import Booking, Cabin, Tier

from .cost_settings import CostSettings, frozen_mapping


@dataclass(frozen=True, slots=True)
class CoTerminalGroup:
    """Airports serving one city; moving between any two of them takes ``transfer``.  At the
    start and end of a journey a change is allowed; mid-journey (land at one, leave from the
    other) only when ``mid_journey``."""

    airports: frozenset[str]
    transfer: timedelta
    mid_journey: bool = False


DEFAULT_CO_TERMINALS = (
    CoTerminalGroup(frozenset({"JFK", "LGA", "EWR"}), timedelta(minutes=90)),
    CoTerminalGroup(frozenset({"LHR", "LGW"}), timedelta(minutes=120)),
    CoTerminalGroup(frozenset({"ORY", "CDG"}), timedelta(minutes=75)),
)


@dataclass(frozen=True, slots=True)
class OptimizerSettings:
    """Settings of candidate generation and the assignment model.

    Costs are in money (``costs.CostSettings``: value of time, compensation, care, refunds),
    the same for every carrier unless ``carrier_costs`` overrides it; the weights scale a
    passenger's value of time by tier, cabin and special needs.
    """

    k_best: int = 8
    # How far after a party is ready it may be rebooked: airlines rebook over several days, so
    # the schedule must be loaded at least this far.  Per carrier in ``horizon_by_carrier``.
    horizon: timedelta = timedelta(hours=72)
    horizon_by_carrier: Mapping[str, timedelta] = field(default_factory=lambda: frozen_mapping({}))
    max_layover: timedelta = timedelta(hours=12)
    default_mct: timedelta = timedelta(minutes=45)
    mct_by_airport: Mapping[str, timedelta] = field(default_factory=lambda: frozen_mapping({}))
    reduced_mobility_extra_mct: timedelta = timedelta(minutes=30)
    # How much earlier than booked a party may be moved without asking (an airline may allow
    # e.g. 2 h); earlier flights are offered only as alternatives, when a location says they
    # can make it.
    advance_window: timedelta = timedelta(0)
    # A record is split into journeys where the ground time exceeds this (and at a turnaround
    # or an open jaw, see ``affected.journeys``); each journey is rebooked to its own end.
    stopover: timedelta = timedelta(hours=24)
    # Carrier → the carriers its passengers may be moved onto (directional: RB onto AA says
    # nothing of AA onto RB).  Interline carriers are bookable too, at ``interline_cost``.
    partnerships: Mapping[str, frozenset[str]] = field(default_factory=lambda: frozen_mapping({}))
    interline: Mapping[str, frozenset[str]] = field(default_factory=lambda: frozen_mapping({}))
    interline_cost: float = 80.0  # per passenger, in the carrier's money: another airline's ticket
    # Shortest time from a disruption being known to a flight's departure (plus any co-terminal
    # transfer) for it to be the primary: the passenger needs the offer in time to act on it.
    min_notice: timedelta = timedelta(minutes=60)
    min_notice_by_carrier: Mapping[str, timedelta] = field(default_factory=lambda: frozen_mapping({}))
    co_terminals: tuple[CoTerminalGroup, ...] = DEFAULT_CO_TERMINALS
    tier_weight: Mapping[Tier, float] = field(
        default_factory=lambda: frozen_mapping({Tier.BASIC: 1.0, Tier.SILVER: 1.25, Tier.GOLD: 1.5, Tier.PLATINUM: 2.0})
    )
    cabin_weight: Mapping[Cabin, float] = field(
        default_factory=lambda: frozen_mapping(
            {Cabin.ECONOMY: 1.0, Cabin.PREMIUM_ECONOMY: 1.2, Cabin.BUSINESS: 1.6, Cabin.FIRST: 2.0}
        )
    )
    special_needs_weight: float = 1.5
    # A party at least this large is a group (as airlines' group desks count): when no flight
    # has seats for all of it, it may travel on several, each sub-group whole, at the cost
    # ``CostSettings.split_group`` per extra sub-group.  Smaller parties (families) never split;
    # 0 splits nobody.
    group_split_min_party: int = 10
    # Most sub-groups one group is split into.
    group_split_max_parts: int = 4
    costs: CostSettings = field(default_factory=CostSettings)
    carrier_costs: Mapping[str, CostSettings] = field(default_factory=lambda: frozen_mapping({}))
    # Per passenger, in the carrier's money, on an itinerary using a leg whose aircraft is out of
    # position after a cancellation (no swap known yet): usable, but it may still be cancelled.
    rotation_risk_cost: float = 70.0
    time_limit_s: float = 10.0
    solver: str = "optimal"  # a name in ``core.solvers.SOLVERS`` (checked where a user picks it)
    target_gap: float = 0.01  # at or below this the LP-based plan is kept without a full MIP
    mip_max_variables: int = 3_000  # a full MIP only on components up to this size (HiGHS: ~8 s at 12k)
    # Deterministic work limits (the same plan on any machine); time_limit_s is the safety net.
    lp_max_iterations: int = 200_000  # HiGHS simplex iterations per LP
    mip_max_nodes: int = 2_000  # HiGHS branch-and-bound nodes per MIP
    ejection_max_attempts: int = 20_000  # moves tried by the ejection search per plan (0: none)

    def __post_init__(self) -> None:
        if self.group_split_min_party < 0 or self.group_split_min_party == 1:
            raise ValueError("the group split size must be 0 (never split) or at least 2")
        if self.group_split_max_parts < 2:
            raise ValueError("a split group needs at least 2 sub-groups")
        for carrier, horizon in (("", self.horizon), *self.horizon_by_carrier.items()):
            if horizon <= timedelta(0):
                raise ValueError(f"the rebooking horizon{' of ' + carrier if carrier else ''} must be positive")
            # Stranding a party must cost more time than flying it at the horizon's end, or the
            # model would rather leave it with nothing than find it a late seat.
            stranded = timedelta(hours=self.costs_for(carrier).stranded_hours)
            if stranded <= horizon:
                raise ValueError(
                    f"stranded_hours ({stranded}) must exceed the rebooking horizon ({horizon}"
                    f"{' of ' + carrier if carrier else ''})"
                )

    def costs_for(self, carrier: str) -> CostSettings:
        """The carrier's prices (its override, else the default)."""
        return self.carrier_costs.get(carrier, self.costs)

    def horizon_for(self, carrier: str) -> timedelta:
        """The rebooking horizon of ``carrier``'s passengers."""
        return self.horizon_by_carrier.get(carrier, self.horizon)

    def carriers_for(self, carrier: str) -> frozenset[str]:
        """Who ``carrier``'s passengers may fly with: itself, its partners, its interline carriers."""
        return (
            frozenset({carrier})
            | self.partnerships.get(carrier, frozenset())
            | self.interline.get(carrier, frozenset())
        )

    def is_interline(self, carrier: str, operating: str) -> bool:
        """A leg of ``operating`` is an interline booking for ``carrier``'s passengers."""
        return operating != carrier and operating not in self.partnerships.get(carrier, frozenset())

    def notice_for(self, carrier: str) -> timedelta:
        return self.min_notice_by_carrier.get(carrier, self.min_notice)

    def mct(self, airport: str, reduced_mobility: bool = False) -> timedelta:
        """Minimum connection time at ``airport``; longer for reduced-mobility passengers."""
        base = self.mct_by_airport.get(airport, self.default_mct)
        return base + self.reduced_mobility_extra_mct if reduced_mobility else base

    def co_terminals_of(self, airport: str, mid_journey: bool = False) -> tuple[tuple[str, timedelta], ...]:
        """``airport`` itself (no transfer) followed by its co-terminal airports with transfer
        time; for a connection (``mid_journey``) only those of groups that allow it."""
        for group in self.co_terminals:
            if airport in group.airports and (group.mid_journey or not mid_journey):
                others = sorted(group.airports - {airport})
                return ((airport, timedelta(0)), *((a, group.transfer) for a in others))
        return ((airport, timedelta(0)),)

    def splittable(self, party: int) -> bool:
        """Whether a party this large is a group that may travel on several flights."""
        return 0 < self.group_split_min_party <= party

    def booking_weight(self, booking: Booking) -> float:
        """Priority weight of the whole party: the sum of its passengers' weights."""
        cabin = max((s.cabin for s in booking.segments), default=Cabin.ECONOMY)
        cabin_w = self.cabin_weight.get(cabin, 1.0)
        total = 0.0
        for pax in booking.passengers:
            w = self.tier_weight.get(pax.tier, 1.0) * cabin_w
            total += w * self.special_needs_weight if pax.special_services else w
        return total

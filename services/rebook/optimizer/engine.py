"""The optimizer's state and decisions, transport-free.

``RebookingEngine`` holds the views (flights, bookings, proximity, disruptions, offers with
their holds: ``engine_views.EngineViews``), turns a batch of disruptions into offer versions to
publish, applies passenger
answers, expires offers and simulates what-ifs.  The Kafka loops and the gRPC servicer only
translate messages and call it; one lock serialises every write, so there is a single writer
of seat holds per process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rebook.domain.bookings import DEFAULT_RULES, BookingRules
from rebook.domain.disruptions import with_disruption
from rebook.domain.errors import DomainError, FieldViolation, PermissionDeniedError, ValidationError
from rebook.domain.model import Cabin, Disruption, FlightLeg
from rebook.flightops import DetectorSettings, FlightStateStore
from rebook.flightops.events import FlightEvent
from rebook.optimizer.core import Affected, OptimizerSettings, Plan, find_affected, plan_rebooking
from rebook.optimizer.core.solvers import DEFAULT_SOLVER
from rebook.optimizer.engine_views import EngineViews
from rebook.optimizer.offer_answers import expire, replan_note, respond, same_proposal, supersede, withdraw
from rebook.optimizer.offers import (
    HOLDING,
    LIVE,
    REPLANNABLE,
    Offer,
    OfferPolicy,
    OfferStatus,
    ResponseKind,
    build_offer,
)

# What each new batch of disruptions does to offers nobody has answered yet:
#   off      they stand; the batch plans around their held seats (first come, first served).
#   improve  they are planned again with the batch; an open offer keeps its itinerary or gets
#            a clearly better one, and loses its seats only if that itinerary can no longer fly.
#   full     they are planned again from scratch: the lowest total cost, but a passenger may be
#            sent a worse itinerary than the one already offered.
REPLAN_MODES = ("off", "improve", "full")


@dataclass(frozen=True, slots=True)
class HandleResult:
    """What one batch of disruptions produced."""

    offers: tuple[Offer, ...]  # new versions, in publishing order
    plan: Plan | None
    disruptions: int  # disruptions acted on (after dropping replays)
    new_bookings: int = 0  # affected bookings that had no unanswered offer (the plan also re-plans those)
    new_passengers: int = 0
    replanned: int = 0  # unanswered offers given a new version by the re-plan


def planning_flights(flights: Mapping[str, FlightLeg], disruptions: Iterable[Disruption]) -> dict[str, FlightLeg]:
    """Flights as the live disruptions say they are (a disruption may arrive before the leg's
    state does; predicted delays never touch the published leg but do count for planning)."""
    view = dict(flights)
    for d in disruptions:
        if d.withdrawn:
            continue
        for leg_id in d.leg_ids:
            leg = view.get(leg_id)
            if leg is not None:
                view[leg_id] = with_disruption(leg, d)
    return view


def _cause(affected: Affected, by_leg: Sequence[Mapping[str, Disruption]]) -> Disruption | None:
    """The disruption an offer answers: from the first map that has one on the blamed leg,
    else on any leg of the trip (a delay breaks the next leg's connection)."""
    legs = [affected.disrupted_leg_id, *(s.leg_id for s in affected.booking.segments)]
    for disruptions in by_leg:
        for leg_id in legs:
            if leg_id in disruptions:
                return disruptions[leg_id]
    return None


class RebookingEngine(EngineViews):
    """Views (``EngineViews``) + decisions.  Every public method is thread-safe."""

    def __init__(
        self,
        settings: OptimizerSettings,
        policies: Mapping[str, OfferPolicy] | None = None,
        default_policy: OfferPolicy | None = None,
        detector_settings: DetectorSettings | None = None,
        owns: Callable[[str], bool] = lambda carrier: True,
        replan: str = "improve",
        booking_rules: BookingRules = DEFAULT_RULES,
    ) -> None:
        if replan not in REPLAN_MODES:
            raise ValueError(f"replan must be one of {', '.join(REPLAN_MODES)}")
        super().__init__(booking_rules)
        self.replan = replan
        self.settings = settings
        self._policies = dict(policies or {})
        self._default_policy = default_policy or OfferPolicy()
        self._detector_settings = detector_settings or DetectorSettings()
        self._owns = owns

    def policy(self, carrier: str) -> OfferPolicy:
        return self._policies.get(carrier, self._default_policy)

    # --- decisions -------------------------------------------------------------------------

    def handle(self, disruptions: Sequence[Disruption], now: datetime) -> HandleResult:
        """Acts on a batch of disruption versions (solved together); replays change nothing."""
        with self._lock:
            fresh = self._fresh(disruptions)
            for d in fresh:
                self.disruptions[d.disruption_id] = d
                self._handled[d.disruption_id] = d.version
            changed = [o for d in fresh if d.withdrawn for o in self._withdraw(d, now)]
            live = [d for d in fresh if not d.withdrawn]
            if not live or self._harmless(live, now):
                return HandleResult(tuple(changed), None, len(fresh))
            plan, reopened = self._plan(live, now)
            made = self._offers_from(plan, live, reopened, now)
            new = [o.affected.booking for o in plan.options if o.record_locator not in reopened]
            replanned = len({o.offer_id for o in made if o.record_locator in reopened})
            return HandleResult(
                tuple(changed + made), plan, len(fresh), len(new), sum(b.party_size for b in new), replanned
            )

    def _harmless(self, live: Sequence[Disruption], now: datetime) -> bool:
        """Only retimings below the delay threshold that break no connection and answer no
        offer: most of them, so the batch is not planned at all (no solve, no re-plan)."""
        if not all(d.below_threshold for d in live):
            return False
        ids = {d.disruption_id for d in live}
        if any(o.disruption_id in ids for o in self.offers.values()):
            return False
        current = [d for d in self.disruptions.values() if not d.withdrawn]
        flights = planning_flights(self.flights, current)
        bookings = self._effective_bookings(skip_final=True)
        return not find_affected(flights, bookings, live, self.settings, now, self.proximity)

    def _fresh(self, disruptions: Sequence[Disruption]) -> list[Disruption]:
        newest: dict[str, Disruption] = {}
        for d in disruptions:
            if d.version > self._handled.get(d.disruption_id, 0) and (
                d.disruption_id not in newest or d.version > newest[d.disruption_id].version
            ):
                newest[d.disruption_id] = d
        return sorted(newest.values(), key=lambda d: (d.known_time, d.disruption_id))

    def _plan(self, live: Sequence[Disruption], now: datetime) -> tuple[Plan, dict[str, Offer]]:
        """Plans the new disruptions and, unless ``replan`` is "off", every unanswered offer with
        them against all live disruptions, so seats an earlier batch merely proposed are planned
        again together with the newcomers (see ``REPLAN_MODES``)."""
        current = [d for d in self.disruptions.values() if not d.withdrawn]
        flights = planning_flights(self.flights, current)
        if self.replan == "off":
            held = self.holds_in_use()
            plan = plan_rebooking(flights, self._effective_bookings(), live, self.proximity, held, self.settings, now)
            return plan, {}
        reopened = self._reopened()
        bookings = [
            replace(b, segments=reopened[b.record_locator].original_segments) if b.record_locator in reopened else b
            for b in self._effective_bookings(skip_final=True)
        ]
        held = self.holds_in_use(excluding=set(reopened))
        # Passengers have seen open offers: those keep their seats or get better ones.  Protected
        # offers were never shown, so like everything under "full" they are planned afresh.
        incumbents = {
            k: o.held_option.segments
            for k, o in reopened.items()
            if self.replan == "improve" and o.status == OfferStatus.OPEN and o.holds and o.held_option
        }
        plan = plan_rebooking(
            flights, bookings, current, self.proximity, held, self.settings, now, incumbents=incumbents
        )
        return plan, reopened

    def _reopened(self) -> dict[str, Offer]:
        """Unanswered offers planned again with this batch: their seats are back in the pool."""
        reopened = {}
        for locator, offer_id in self._latest_offer.items():
            offer = self.offers[offer_id]
            disruption = self.disruptions.get(offer.disruption_id)
            if (
                offer.status in REPLANNABLE
                and not (offer.split and offer.holds)  # its sub-groups keep their seats
                and (not offer.response_ids or offer.waitlisted)
                and disruption is not None
                and not disruption.withdrawn
                and self._owns(offer.carrier)
            ):
                reopened[locator] = offer
        return reopened

    def _withdraw(self, disruption: Disruption, now: datetime) -> list[Offer]:
        withdrawn = []
        for offer in list(self.offers.values()):
            if offer.disruption_id == disruption.disruption_id and offer.status in LIVE:
                withdrawn.append(withdraw(offer, now))
                self._store(withdrawn[-1])
        return withdrawn

    def _offers_from(
        self, plan: Plan, live: Sequence[Disruption], reopened: Mapping[str, Offer], now: datetime
    ) -> list[Offer]:
        by_leg = {leg_id: d for d in live for leg_id in d.leg_ids}
        any_by_leg: dict[str, Disruption] = {}  # the first live disruption on each leg
        for d in self.disruptions.values():
            if not d.withdrawn:
                for leg_id in d.leg_ids:
                    any_by_leg.setdefault(leg_id, d)
        made: list[Offer] = []
        for option in plan.options:
            previous = self.offers.get(self._latest_offer.get(option.record_locator, ""))
            if option.record_locator in reopened:
                assert previous is not None  # reopened offers are the bookings' latest
                disruption = self.disruptions[previous.disruption_id]  # the offer keeps its cause
            else:
                disruption = _cause(option.affected, (by_leg, any_by_leg)) or live[0]
            offer = build_offer(option, disruption, self.policy(disruption.carrier), now)
            if previous is not None and previous.offer_id == offer.offer_id:
                if same_proposal(previous, offer):
                    continue  # re-planned to what the passenger already has: no news
                # A new version of the same offer replaces the holds in one step.
                offer = replace(offer, version=previous.version + 1, explanation=replan_note(previous, offer))
            elif previous is not None and (previous.holds or previous.status in LIVE):
                made.append(supersede(previous, now))
                self._store(made[-1])
                offer = replace(offer, explanation=replan_note(previous, offer))
            made.append(offer)
            self._store(offer)
        planned = {option.record_locator for option in plan.options}
        for locator, offer in reopened.items():
            if locator not in planned:  # a newer disruption version left the original trip intact
                made.append(withdraw(self.offers[offer.offer_id], now))
                self._store(made[-1])
        return made

    def respond(
        self,
        offer_id: str,
        response_id: str,
        kind: ResponseKind,
        option_id: str,
        now: datetime,
        seen_version: int = 0,
    ) -> Offer:
        """Applies an answer atomically; raises (changing nothing) when it cannot."""
        with self._lock:
            offer = self.get_offer(offer_id)
            if not self._owns(offer.carrier):
                raise PermissionDeniedError(
                    f"this optimizer instance does not own carrier {offer.carrier}; retry on its owner",
                    reason="NOT_CARRIER_OWNER",
                )
            free = self._free_seats(excluding=offer)
            answered = respond(offer, response_id, kind, option_id, free, now, seen_version)
            self._store(answered)
            return answered

    def _free_seats(self, excluding: Offer) -> dict[tuple[str, Cabin], int]:
        current = [d for d in self.disruptions.values() if not d.withdrawn]
        flights = planning_flights(self.flights, current)
        held = self.holds_in_use()
        if excluding.status in HOLDING:
            for hold in excluding.holds:
                held[(hold.leg_id, hold.cabin)] -= hold.seats
        free: dict[tuple[str, Cabin], int] = {}
        for leg in flights.values():
            if leg.cancelled or leg.departed:
                continue
            for cabin, capacity in leg.seats_for_sale.items():
                free[(leg.leg_id, cabin)] = capacity - leg.sold.get(cabin, 0) - held.get((leg.leg_id, cabin), 0)
        return free

    def expire_due(self, now: datetime) -> list[Offer]:
        """Offers past their expiry, handled per carrier policy (only carriers this instance owns)."""
        with self._lock:
            expired = []
            for offer in list(self.offers.values()):
                if not self._owns(offer.carrier):
                    continue
                changed = expire(offer, self.policy(offer.carrier), now)
                if changed is not None:
                    self._store(changed)
                    expired.append(changed)
            return expired

    def simulate(
        self, events: Sequence[FlightEvent], now: datetime, solver: str = DEFAULT_SOLVER
    ) -> tuple[Plan, list[Offer], list[Disruption]]:
        """The same analysis and solve for hypothetical events: nothing stored, nothing held."""
        with self._lock:
            legs = list(self.flights.values())
            bookings = self._effective_bookings()
            proximity = dict(self.proximity)
            holds = self.holds_in_use()
            current = [d for d in self.disruptions.values() if not d.withdrawn]
        # Hypothetical events may be set at any time (what if the 18:00 is cancelled?).
        store = FlightStateStore(replace(self._detector_settings, max_future_skew=None, max_event_age=None))
        store.load_schedule(legs, now)
        emitted: dict[str, Disruption] = {}
        violations: list[FieldViolation] = []
        for index, event in enumerate(sorted(events, key=lambda e: e.event_time)):
            try:
                for d in store.apply(event, now).disruptions:
                    emitted[d.disruption_id] = d  # only what the hypothetical events cause
            except DomainError as error:
                violations.append(FieldViolation(f"events[{index}]", str(error)))
        if violations:
            raise ValidationError(violations)
        hypothetical = [d for d in emitted.values() if not d.withdrawn]
        leg_states = {leg.leg_id: leg for leg in store.legs()}
        flights = planning_flights(leg_states, [*current, *hypothetical])
        settings = replace(self.settings, solver=solver)
        plan = plan_rebooking(flights, bookings, hypothetical, proximity, holds, settings, now)
        by_leg = {leg_id: d for d in hypothetical for leg_id in d.leg_ids}
        offers = [
            build_offer(o, by_leg.get(o.affected.disrupted_leg_id, hypothetical[0]), self.policy(""), now)
            for o in plan.options
        ]
        return plan, offers, hypothetical

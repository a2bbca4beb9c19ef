"""``RebookingService`` over gRPC: translates messages and calls the engine; publishes what
changed and waits for Kafka's acknowledgement before replying, so an OK means durable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kafka.errors import KafkaError

from rebook.domain.access import AccessRule, Principal, require_carrier, require_leg_carrier
from rebook.domain.batch import Rejected
from rebook.domain.convert import booking_from_proto, booking_to_proto
from rebook.domain.errors import (
    DomainError,
    FieldViolation,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
    ValidationError,
)
from rebook.domain.model import Booking
from rebook.flightops.convert import event_from_proto
from rebook.optimizer.convert import offer_to_proto
from rebook.optimizer.core.solvers import DEFAULT_SOLVER, SOLVER_NAMES, SOLVERS
from rebook.optimizer.engine import RebookingEngine
from rebook.optimizer.metrics import OptimizerMetrics
from rebook.optimizer.offers import Offer, ResponseKind
from rebook.runtime.auth import caller
from rebook.runtime.grpc_errors import rejected_items
from rebook.runtime.grpc_server import ServiceBinding
from rebook.runtime.kafka import EventProducer, NotAcknowledged
from rebook.runtime.limits import check_values, size_violation
from rebook.runtime.topics import BOOKINGS, OFFERS, TopicSpec
from rebook.v1 import rebooking_service_pb2 as pb
from rebook.v1 import rebooking_service_pb2_grpc as pb_grpc

ACK_TIMEOUT_S = 15.0
FLIGHTS_SYNC_TIMEOUT_S = 5.0

# Who may call each RPC (checked before anything else); object-level checks are below.
ACCESS: dict[str, AccessRule] = {
    "UpsertBookings": AccessRule(roles=("bookings:write",)),
    "RespondToOffer": AccessRule(passenger=True, roles=("offers:respond-on-behalf",)),
    "GetOffer": AccessRule(passenger=True, roles=("offers:read",)),
    "ListOffers": AccessRule(roles=("offers:read",)),
    "Simulate": AccessRule(roles=("simulate",)),
}


# Bulk writes answer item by item: the interceptor's whole-request value check would refuse the
# batch for one bad item.
CHECKS_OWN_ITEMS = frozenset({"UpsertBookings"})


def visible_offer(principal: Principal, find: Callable[[], Offer]) -> Offer:
    """The offer if ``principal`` may see it: a passenger on its booking or a client of its carrier.
    Anyone else gets PERMISSION_DENIED whether or not it exists (no existence oracle); only a
    client of every carrier learns NOT_FOUND."""
    try:
        offer = find()
    except NotFoundError:
        if principal.all_carriers:
            raise
        offer = None
    if offer is not None and (
        principal.passenger_id in offer.passenger_ids if principal.is_passenger else principal.acts_for(offer.carrier)
    ):
        return offer
    raise PermissionDeniedError("not an offer of yours", reason="NOT_YOURS")


@dataclass
class OptimizerDeps:
    """What the servicer needs; topics are injectable so tests can use throwaway ones."""

    engine: RebookingEngine
    producer: EventProducer
    metrics: OptimizerMetrics
    bookings_topic: TopicSpec = BOOKINGS
    offers_topic: TopicSpec = OFFERS
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Waits (up to the given seconds) until the flights view has read the topic to its current
    # end: a booking on a leg just loaded through the detector is then judged on that leg.
    sync_flights: Callable[[float], bool] = field(default=lambda _timeout_s: True)


def publish_offers(deps: OptimizerDeps, offers: list[Offer]) -> None:
    """Publishes offer versions keyed by record locator (per-booking order preserved) and
    returns once Kafka acknowledged all; ``NotAcknowledged`` says which it did otherwise."""
    messages = [(o.record_locator, offer_to_proto(o, deps.engine.flights)) for o in offers]
    for offer in offers:
        deps.metrics.offers.labels(offer.status.name.lower()).inc()
    deps.metrics.seats_held.set(sum(deps.engine.holds_in_use().values()))
    deps.producer.publish_all(deps.offers_topic, messages, ACK_TIMEOUT_S)


def decide_and_publish(
    deps: OptimizerDeps,
    decide: Callable[[], list[Offer]],
    publish: Callable[[OptimizerDeps, list[Offer]], None] = publish_offers,
) -> list[Offer]:
    """Runs ``decide`` (engine decisions returning the offer versions they made) as one engine
    batch and publishes its offers: when Kafka does not acknowledge them all the decisions are
    undone, except the offers it did acknowledge, which are out and stay (a retry, planned
    with them, sends only the rest).  Raises ``NotAcknowledged`` then."""
    offers: list[Offer] = []
    try:
        with deps.engine.batch():
            offers = decide()
            publish(deps, offers)
    except NotAcknowledged as error:
        for offer in error.of(offers):
            deps.engine.apply_offer(offer)
        raise
    return offers


class RebookingServicer(pb_grpc.RebookingServiceServicer):
    def __init__(self, deps: OptimizerDeps) -> None:
        self._deps = deps

    def UpsertBookings(self, request: pb.UpsertBookingsRequest, context) -> pb.UpsertBookingsResponse:
        principal, known = caller(), self._deps.engine.bookings
        for message in request.bookings:
            require_carrier(principal, message.carrier)
        bookings, indexes, refused = [], [], []
        for index, message in enumerate(request.bookings):
            try:
                existing = known.get(message.record_locator)
                if existing is not None:  # nobody takes over another carrier's record locator
                    require_carrier(principal, existing.carrier)
                bookings.append(_booking_item(message, index))
                indexes.append(index)
            except (ValidationError, PermissionDeniedError) as error:
                # One item's problem, not the caller's: that booking is refused, the rest applies.
                refused.append(Rejected(index, message.record_locator, error))
        denied = next((r.error for r in refused if isinstance(r.error, PermissionDeniedError)), None)
        if request.atomic and denied is not None:
            raise denied
        if self._deps.engine.names_unknown_legs(bookings):
            self._deps.sync_flights(FLIGHTS_SYNC_TIMEOUT_S)
        result = self._deps.engine.upsert_bookings(
            bookings, self._publish_bookings, atomic=request.atomic, indexes=indexes, refused=refused
        )
        return pb.UpsertBookingsResponse(
            upserted_count=len(result.stored),
            unchanged_count=result.unchanged,
            rejected=rejected_items(result.rejected),
            rejected_count=len(result.rejected),
        )

    def _publish_bookings(self, bookings: list[Booking]) -> None:
        """Returns once Kafka acknowledged every booking; raises UNAVAILABLE (nothing stored) if not."""
        now = self._deps.clock()
        messages = [(b.record_locator, booking_to_proto(b, now)) for b in bookings]
        try:
            self._deps.producer.publish_all(self._deps.bookings_topic, messages, ACK_TIMEOUT_S)
        except KafkaError as error:
            raise UnavailableError(f"Kafka did not acknowledge the bookings; nothing stored, retry: {error}") from error

    def RespondToOffer(self, request: pb.RespondToOfferRequest, context) -> pb.RespondToOfferResponse:
        response = request.response
        kind = _response_kind(response)
        engine = self._deps.engine
        visible_offer(caller(), lambda: engine.get_offer(response.offer_id))
        label = kind.name.lower()
        self._deps.metrics.responses.labels(label).inc()

        def answer() -> list[Offer]:
            return [
                engine.respond(
                    response.offer_id,
                    response.response_id,
                    kind,
                    response.option_id,
                    self._deps.clock(),
                    seen_version=response.offer_version,
                )
            ]

        try:
            (offer,) = decide_and_publish(self._deps, answer)  # the answer stands only once Kafka has it
        except KafkaError as error:
            self._deps.metrics.response_failures.labels(label).inc()
            raise UnavailableError(f"Kafka did not acknowledge the answer; nothing changed, retry: {error}") from error
        except DomainError:
            self._deps.metrics.response_failures.labels(label).inc()
            raise
        return pb.RespondToOfferResponse(offer=offer_to_proto(offer, self._deps.engine.flights))

    def GetOffer(self, request: pb.GetOfferRequest, context) -> pb.GetOfferResponse:
        if not request.offer_id and not request.record_locator:
            raise ValidationError([FieldViolation("offer_id", "give an offer id or a record locator")])
        engine = self._deps.engine
        offer = visible_offer(caller(), lambda: engine.get_offer(request.offer_id, request.record_locator))
        return pb.GetOfferResponse(offer=offer_to_proto(offer, self._deps.engine.flights))

    def ListOffers(self, request: pb.ListOffersRequest, context) -> pb.ListOffersResponse:
        if not request.leg_id:
            raise ValidationError([FieldViolation("leg_id", "required")])
        require_leg_carrier(caller(), request.leg_id)
        flights = self._deps.engine.flights
        offers = self._deps.engine.offers_for_leg(request.leg_id)
        return pb.ListOffersResponse(offers=[offer_to_proto(o, flights) for o in offers])

    def Simulate(self, request: pb.SimulateRequest, context) -> pb.SimulateResponse:
        principal = caller()
        for event in request.events:
            require_leg_carrier(principal, event.leg_id)
        if request.solver and request.solver not in SOLVERS:
            names = [f"'{name}'" for name in SOLVER_NAMES]
            raise ValidationError([FieldViolation("solver", f"must be {', '.join(names[:-1])} or {names[-1]}")])
        if not request.events:
            raise ValidationError([FieldViolation("events", "at least one event is required")])
        events = [event_from_proto(e, field=f"events[{i}]") for i, e in enumerate(request.events)]
        plan, offers, _ = self._deps.engine.simulate(events, self._deps.clock(), request.solver or DEFAULT_SOLVER)
        stats = plan.stats
        flights = self._deps.engine.flights
        return pb.SimulateResponse(
            offers=[offer_to_proto(o, flights) for o in offers],
            affected_booking_count=stats.affected_bookings,
            affected_passenger_count=stats.affected_passengers,
            accommodated_passenger_count=sum(
                o.affected.booking.party_size for o in plan.options if o.primary is not None
            ),
            objective=stats.solution.objective,
            lower_bound=stats.solution.lower_bound,
            solve_seconds=stats.wall_s,
        )


def _booking_item(message, index: int) -> Booking:
    """One booking of a bulk request, or ``ValidationError`` naming its fields: too large for
    Kafka, out-of-range values (the interceptor leaves these to us, item by item), undecodable."""
    field = f"bookings[{index}]"
    too_big = size_violation(message, field)
    if too_big is not None:
        raise ValidationError([too_big])
    check_values(message, field)
    return booking_from_proto(message, field=f"{field}.")


def _response_kind(response) -> ResponseKind:
    violations = []
    if not response.offer_id:
        violations.append(FieldViolation("response.offer_id", "required"))
    if response.kind not in ResponseKind._value2member_map_:
        violations.append(FieldViolation("response.kind", "must be ACCEPT, SWITCH or REFUND"))
    elif response.kind == ResponseKind.SWITCH and not response.option_id:
        violations.append(FieldViolation("response.option_id", "required to switch"))
    if violations:
        raise ValidationError(violations)
    return ResponseKind(response.kind)


def binding(deps: OptimizerDeps) -> ServiceBinding:
    """The RebookingService's binding, to add to a server."""
    return ServiceBinding(
        pb.DESCRIPTOR.services_by_name["RebookingService"],
        RebookingServicer(deps),
        pb_grpc.add_RebookingServiceServicer_to_server,
        ACCESS,
        checks_own_items=CHECKS_OWN_ITEMS,
    )

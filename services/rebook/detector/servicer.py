"""``FlightStatusService`` over gRPC: translate, call the writer/core, translate back.

Every RPC answers UNAVAILABLE until the state has been rebuilt from Kafka (health says
NOT_SERVING meanwhile), and after a write Kafka did not acknowledge.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn, TypeVar

import grpc
from prometheus_client import CollectorRegistry

from rebook.domain.access import AccessRule, Principal, require_carrier, require_leg_carrier
from rebook.domain.batch import Rejected, all_violations
from rebook.domain.convert import disruption_to_proto, leg_from_proto, leg_to_proto, timestamp_field
from rebook.domain.errors import DomainError, FieldViolation, NotFoundError, ValidationError
from rebook.domain.model import FlightLeg
from rebook.flightops import DetectorSettings, FlightEvent, FlightStateStore
from rebook.flightops.convert import event_from_proto, event_kind
from rebook.flightops.validation import is_airport, is_carrier, schedule_violations
from rebook.runtime.auth import caller
from rebook.runtime.grpc_errors import code_name, rejected_items
from rebook.runtime.grpc_server import ServiceBinding
from rebook.runtime.kafka import EventProducer
from rebook.runtime.limits import check_size, check_values, size_violation
from rebook.runtime.service import Readiness
from rebook.v1 import event_pb2, flight_pb2, flight_status_service_pb2, flight_status_service_pb2_grpc
from rebook.v1 import flight_status_service_pb2 as fss

from . import restore
from .metrics import DetectorMetrics
from .writer import DetectorWriter, PublishError, Topics, Watcher

DESCRIPTOR = flight_status_service_pb2.DESCRIPTOR.services_by_name["FlightStatusService"]
WATCH_POLL_S = 0.5
HEAL_RETRY_S = 2.0
log = logging.getLogger(__name__)
T = TypeVar("T")

_READ = ("flights:read", "flights:write")
# Who may call each RPC (checked before anything else); a client sees and writes only legs and
# disruptions of its carriers (checked below from the request, before any lookup).
ACCESS: dict[str, AccessRule] = {
    "LoadSchedule": AccessRule(roles=("flights:write",)),
    "ReportFlightEvent": AccessRule(roles=("flights:write",)),
    "ReportFlightEvents": AccessRule(roles=("flights:write",)),
    "GetFlightLeg": AccessRule(roles=_READ),
    "ListDisruptions": AccessRule(roles=_READ),
    "WatchDisruptions": AccessRule(roles=_READ),
}


def _carrier_filter(principal: Principal, carrier: str) -> None:
    if carrier:
        require_carrier(principal, carrier)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class DetectorDeps:
    """Everything the detector needs from outside; tests inject throwaway topics and a clock."""

    bootstrap: str
    producer: EventProducer
    registry: CollectorRegistry
    settings: DetectorSettings = field(default_factory=DetectorSettings)
    topics: Topics = field(default_factory=Topics)
    ack_timeout_s: float = 30.0
    restore_timeout_s: float = 60.0
    clock: Callable[[], datetime] = _utcnow
    max_workers: int = 16


def _abort_unavailable(context: grpc.ServicerContext, message: str) -> NoReturn:
    context.abort(grpc.StatusCode.UNAVAILABLE, message)
    raise AssertionError("unreachable: abort raises")


def _leg_item(message: flight_pb2.FlightLeg, path: str) -> FlightLeg:
    """One leg of a bulk request, or ``ValidationError`` naming its fields: too large for Kafka,
    out-of-range values (the interceptor leaves these to us, item by item), undecodable."""
    too_big = size_violation(message, path)
    if too_big is not None:
        raise ValidationError([too_big])
    check_values(message, path)
    return leg_from_proto(message, f"{path}.")


def _legs_from_proto(messages: Sequence[flight_pb2.FlightLeg]) -> tuple[list[FlightLeg], list[int], list[Rejected]]:
    """(legs, their request positions, the refused ones)."""
    legs: list[FlightLeg] = []
    positions: list[int] = []
    refused: list[Rejected] = []
    for index, message in enumerate(messages):
        try:
            legs.append(_leg_item(message, f"legs[{index}]"))
            positions.append(index)
        except ValidationError as error:
            refused.append(Rejected(index, message.leg_id, error))
    return legs, positions, refused


def _check_filters(carrier: str, airport: str) -> list[FieldViolation]:
    violations = []
    if carrier and not is_carrier(carrier):
        violations.append(FieldViolation("carrier", f"{carrier!r} is not an IATA/ICAO carrier code"))
    if airport and not is_airport(airport):
        violations.append(FieldViolation("airport", f"{airport!r} is not an IATA airport code"))
    return violations


class FlightStatusServicer(flight_status_service_pb2_grpc.FlightStatusServiceServicer):
    def __init__(self, writer: DetectorWriter, metrics: DetectorMetrics) -> None:
        self._writer = writer
        self._metrics = metrics

    def _ready(self, context: grpc.ServicerContext) -> None:
        if not self._writer.ready.is_set():
            _abort_unavailable(context, "rebuilding state from Kafka; retry shortly")

    def _write(self, context: grpc.ServicerContext, action: Callable[[], T]) -> T:
        try:
            return action()
        except PublishError as error:
            _abort_unavailable(context, str(error))

    def LoadSchedule(self, request: fss.LoadScheduleRequest, context: grpc.ServicerContext) -> fss.LoadScheduleResponse:
        principal = caller()
        for message in request.legs:
            require_carrier(principal, message.carrier)
            if message.leg_id:
                require_leg_carrier(principal, message.leg_id)
        self._ready(context)
        legs, positions, refused = _legs_from_proto(request.legs)
        paths = [f"legs[{i}]" for i in positions]
        if request.atomic and refused:  # every violation of the request at once, nothing applied
            found = schedule_violations(legs, paths=paths)
            raise ValidationError(all_violations(refused) + [v for i in sorted(found) for v in found[i]])
        result = self._write(context, lambda: self._writer.load(legs, atomic=request.atomic, paths=paths))
        rejected = refused + [Rejected(positions[i], legs[i].leg_id, e) for i, e in result.rejected.items()]
        for item in rejected:
            self._metrics.legs_rejected.labels(item.error.reason).inc()
        return fss.LoadScheduleResponse(
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            rejected=rejected_items(rejected),
            rejected_count=len(rejected),
        )

    def _convert(self, message: event_pb2.FlightEvent, path: str) -> FlightEvent:
        self._metrics.events.labels(event_kind(message)).inc()
        try:
            check_size(message, path)
            check_values(message, path)
            return event_from_proto(message, path)
        except DomainError as error:
            self._metrics.rejected.labels(error.reason).inc()
            raise

    def ReportFlightEvent(self, request, context: grpc.ServicerContext) -> fss.ReportFlightEventResponse:
        received = time.perf_counter()
        require_leg_carrier(caller(), request.event.leg_id)
        self._ready(context)
        event = self._convert(request.event, "event")
        outcome = self._write(context, lambda: self._writer.apply([event], received))[0]
        if outcome.error is not None:
            raise outcome.error
        assert outcome.result is not None and outcome.leg is not None
        return fss.ReportFlightEventResponse(
            applied=outcome.result.applied,
            leg=leg_to_proto(outcome.leg),
            disruptions=[disruption_to_proto(d) for d in outcome.result.disruptions],
        )

    def ReportFlightEvents(self, request, context: grpc.ServicerContext) -> fss.ReportFlightEventsResponse:
        received = time.perf_counter()
        principal = caller()
        for message in request.events:  # all or nothing: no half-applied batch
            require_leg_carrier(principal, message.leg_id)
        self._ready(context)
        valid: list[FlightEvent] = []
        conversion_errors: list[DomainError | None] = []
        for index, message in enumerate(request.events):
            try:
                valid.append(self._convert(message, f"events[{index}]"))
                conversion_errors.append(None)
            except DomainError as error:
                conversion_errors.append(error)
        outcomes = iter(self._write(context, lambda: self._writer.apply(valid, received)))
        reply = fss.ReportFlightEventsResponse()
        for message, refused in zip(request.events, conversion_errors, strict=True):
            result = reply.results.add(event_id=message.event_id)
            outcome = next(outcomes) if refused is None else None
            failure = outcome.error if outcome is not None else refused
            if failure is not None:
                result.error_code, result.error_message = code_name(failure), str(failure)
            elif outcome is not None and outcome.result is not None:
                result.applied = outcome.result.applied
                reply.disruption_count += len(outcome.result.disruptions)
        return reply

    def GetFlightLeg(self, request: fss.GetFlightLegRequest, context: grpc.ServicerContext) -> fss.GetFlightLegResponse:
        require_leg_carrier(caller(), request.leg_id)
        self._ready(context)
        if not request.leg_id:
            raise ValidationError([FieldViolation("leg_id", "required")])
        leg = self._writer.store.get_leg(request.leg_id)
        if leg is None:
            raise NotFoundError(f"unknown flight leg {request.leg_id!r}", field="leg_id")
        return fss.GetFlightLegResponse(leg=leg_to_proto(leg))

    def ListDisruptions(self, request: fss.ListDisruptionsRequest, context) -> fss.ListDisruptionsResponse:
        principal = caller()
        _carrier_filter(principal, request.carrier)
        self._ready(context)
        violations = _check_filters(request.carrier, request.airport)
        start, end = timestamp_field(request, "start_time"), timestamp_field(request, "end_time")
        if start is not None and end is not None and end <= start:
            violations.append(FieldViolation("end_time", "must be after start_time"))
        if violations:
            raise ValidationError(violations)
        found = self._writer.read(
            lambda store: store.disruptions(
                carrier=request.carrier,
                airport=request.airport,
                start=start,
                end=end,
                include_withdrawn=request.include_withdrawn,
            )
        )
        found = [d for d in found if principal.acts_for(d.carrier)]
        found.sort(key=lambda d: (d.known_time, d.disruption_id))
        return fss.ListDisruptionsResponse(disruptions=[disruption_to_proto(d) for d in found])

    def WatchDisruptions(self, request: fss.WatchDisruptionsRequest, context) -> Iterator[fss.WatchDisruptionsResponse]:
        principal = caller()
        _carrier_filter(principal, request.carrier)
        self._ready(context)
        violations = _check_filters(request.carrier, request.airport)
        if violations:
            raise ValidationError(violations)
        watcher = self._writer.watch(request.carrier, request.airport)
        context.add_callback(watcher.close)  # client cancelled or deadline passed
        try:
            yield from self._stream(watcher, context, principal)
        finally:
            self._writer.unwatch(watcher)

    def _stream(
        self, watcher: Watcher, context: grpc.ServicerContext, principal: Principal
    ) -> Iterator[fss.WatchDisruptionsResponse]:
        while context.is_active():
            if watcher.overflowed:
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "watcher fell behind; list and watch again")
            try:
                item = watcher.queue.get(timeout=WATCH_POLL_S)
            except queue.Empty:
                continue
            if item is Watcher.CLOSED:
                return
            if not principal.acts_for(item.carrier):
                continue
            yield fss.WatchDisruptionsResponse(disruption=disruption_to_proto(item))


def build_detector(deps: DetectorDeps) -> tuple[DetectorWriter, ServiceBinding]:
    """The writer and the servicer's binding to add to a server."""
    metrics = DetectorMetrics(deps.registry)
    store = FlightStateStore(deps.settings)
    writer = DetectorWriter(store, deps.producer, metrics, deps.topics, deps.clock, deps.ack_timeout_s)
    servicer = FlightStatusServicer(writer, metrics)
    binding = ServiceBinding(
        DESCRIPTOR,
        servicer,
        flight_status_service_pb2_grpc.add_FlightStatusServiceServicer_to_server,
        ACCESS,
        checks_own_items=frozenset({"LoadSchedule", "ReportFlightEvents"}),
    )
    return writer, binding


def serve_when_rebuilt(server: Readiness, writer: DetectorWriter, deps: DetectorDeps) -> None:
    """Health NOT_SERVING while the state is rebuilt from Kafka, SERVING after; should Kafka fail
    to acknowledge a write, NOT_SERVING again until the state is rebuilt from the topics (in the
    background, retried until the broker answers)."""

    def heal() -> None:
        while True:
            try:
                restore.rebuild(writer, deps.bootstrap, deps.restore_timeout_s)
                break
            except Exception as error:  # the broker is still away: try again
                log.warning("rebuild after a failed write did not finish; retrying", extra={"error": str(error)})
                time.sleep(HEAL_RETRY_S)
        writer.recovered()
        healing.release()
        server.release("rebuilding")
        log.info("state rebuilt after a failed write; serving again")

    healing = threading.Lock()  # one rebuild at a time (a rebuild's own failed write lands here too)

    def on_failure() -> None:
        server.hold("rebuilding")
        if healing.acquire(blocking=False):
            threading.Thread(target=heal, name="detector-heal", daemon=True).start()

    server.hold("rebuilding")
    writer.on_failure = on_failure
    restore.rebuild(writer, deps.bootstrap, deps.restore_timeout_s)
    server.release("rebuilding")

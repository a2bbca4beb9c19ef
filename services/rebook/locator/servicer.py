"""gRPC transport of the locator: ``rebook.v1.PassengerLocationService`` over the pure core.

Translates messages to core calls and back; proximities the tracker returns are published
on the proximity topic.  Coordinates are read from requests and handed to the tracker,
nothing else: they are never logged, published or echoed in an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
from prometheus_client import CollectorRegistry

from rebook.domain.access import AccessRule, Principal, require_own_passenger
from rebook.domain.convert import proximity_to_proto
from rebook.domain.errors import FieldViolation, PermissionDeniedError, ValidationError
from rebook.domain.model import Proximity
from rebook.locator.core.proximity import NO_PING_TIME, coarsen
from rebook.locator.core.targets import Trips
from rebook.locator.core.tracker import ProximityTracker
from rebook.locator.core.validation import LocationPing, ping_violations
from rebook.locator.metrics import LocatorMetrics
from rebook.locator.publisher import ProximityPublisher
from rebook.runtime.auth import caller
from rebook.runtime.grpc_errors import code_name
from rebook.runtime.grpc_server import ServiceBinding
from rebook.v1 import location_pb2
from rebook.v1 import passenger_location_service_pb2 as pls
from rebook.v1 import passenger_location_service_pb2_grpc as pls_grpc

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SERVICE_NAME = pls.DESCRIPTOR.services_by_name["PassengerLocationService"].full_name


# Who may call each RPC (checked before anything else).  A passenger acts only as themselves; a
# client only for passengers booked on its carriers (``_require_access``).
ACCESS: dict[str, AccessRule] = {
    "ReportPing": AccessRule(passenger=True, roles=("locations:write",)),
    "ReportPings": AccessRule(passenger=True, roles=("locations:write",)),
    "GetProximity": AccessRule(passenger=True, roles=("proximity:read",)),
    "ForgetPassenger": AccessRule(passenger=True, roles=("passengers:forget",)),
}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LocatorDeps:
    """What the servicer works with; ``target_of`` gives a passenger's booked departure airport."""

    tracker: ProximityTracker
    publisher: ProximityPublisher
    metrics: LocatorMetrics
    registry: CollectorRegistry
    target_of: Callable[[str], str] = lambda _passenger_id: ""
    clock: Callable[[], datetime] = utc_now
    trips: Callable[[str], Trips] = lambda _passenger_id: Trips()


def ping_from_proto(message: location_pb2.LocationPing, tracker: ProximityTracker, now: datetime) -> LocationPing:
    """A core ping; ``ValidationError`` (with every bad field) for a missing or impossible time."""
    when = None
    if message.HasField("ping_time"):
        try:
            when = _EPOCH + timedelta(seconds=message.ping_time.seconds, microseconds=message.ping_time.nanos // 1000)
        except OverflowError:
            when = None
    ping = LocationPing(message.passenger_id, message.latitude, message.longitude, when or now, message.consent)
    if when is None and message.consent:
        others = [v for v in ping_violations(ping, tracker.settings, now) if v.field != "ping.ping_time"]
        raise ValidationError([FieldViolation("ping.ping_time", "required, a valid timestamp"), *others])
    return ping


class PassengerLocationService(pls_grpc.PassengerLocationServiceServicer):
    """ReportPing(s), GetProximity and ForgetPassenger; see the proto for the contract."""

    def __init__(self, deps: LocatorDeps) -> None:
        self._deps = deps
        self._tracker = deps.tracker
        self._metrics = deps.metrics

    def _require_access(self, principal: Principal, passenger_id: str) -> None:
        require_own_passenger(principal, passenger_id)
        if principal.is_passenger or principal.all_carriers:
            return
        if not principal.carriers & self._deps.trips(passenger_id).carriers:
            # The same answer for an unknown passenger: no existence oracle.
            raise PermissionDeniedError("not a passenger of this client's carriers", reason="OTHER_CARRIER")

    def ReportPing(self, request: pls.ReportPingRequest, context: grpc.ServicerContext) -> pls.ReportPingResponse:
        self._require_access(caller(), request.ping.passenger_id)
        now = self._deps.clock()
        self._metrics.pings_received.inc()
        try:
            update = self._tracker.report(ping_from_proto(request.ping, self._tracker, now), now)
        except (PermissionDeniedError, ValidationError) as error:
            self._count_refusal(error)
            raise
        published = self._deps.publisher.publish((update,) if update else (), "ping") > 0
        current = update or self._tracker.proximity(request.ping.passenger_id, "", now)
        return pls.ReportPingResponse(proximity=proximity_to_proto(current, now), published=published)

    def ReportPings(
        self, request_iterator: Iterable[pls.ReportPingsRequest], context: grpc.ServicerContext
    ) -> pls.ReportPingsResponse:
        position = accepted = published = 0
        rejected: list[pls.RejectedPing] = []
        principal = caller()
        for request in request_iterator:
            updates, refused = self._report_batch(principal, request.pings, position)
            position += len(request.pings)
            accepted += len(request.pings) - len(refused)
            rejected += refused
            published += self._deps.publisher.publish(updates, "ping")
        return pls.ReportPingsResponse(accepted_count=accepted, published_count=published, rejected=rejected)

    def _report_batch(
        self, principal: Principal, pings, first_index: int
    ) -> tuple[list[Proximity], list[pls.RejectedPing]]:
        """Reports each ping of one stream message; a bad one becomes a ``RejectedPing``."""
        now = self._deps.clock()
        report, tracker = self._tracker.report, self._tracker
        updates: list[Proximity] = []
        refused: list[pls.RejectedPing] = []
        for offset, message in enumerate(pings):
            try:
                self._require_access(principal, message.passenger_id)
                update = report(ping_from_proto(message, tracker, now), now)
            except (PermissionDeniedError, ValidationError) as error:
                self._count_refusal(error)
                refused.append(pls.RejectedPing(index=first_index + offset, code=code_name(error), message=str(error)))
                continue
            if update is not None:
                updates.append(update)
        self._metrics.pings_received.inc(len(pings))
        return updates, refused

    def GetProximity(self, request: pls.GetProximityRequest, context: grpc.ServicerContext) -> pls.GetProximityResponse:
        principal = caller()
        self._require_access(principal, request.passenger_id)
        booked = self._deps.trips(request.passenger_id).airports
        if request.airport and not principal.all_carriers and request.airport not in booked:
            raise PermissionDeniedError("only the airports of the passenger's own bookings", reason="NOT_BOOKED")
        with self._metrics.lookup_seconds.time():
            now = self._deps.clock()
            proximity = coarsen(self._tracker.proximity(request.passenger_id, request.airport, now), booked)
            return pls.GetProximityResponse(proximity=proximity_to_proto(proximity, now))

    def ForgetPassenger(
        self, request: pls.ForgetPassengerRequest, context: grpc.ServicerContext
    ) -> pls.ForgetPassengerResponse:
        """Drops the held ping and waits for the tombstone, which is published even when nothing
        was held here (the topic may still carry what another instance or run published)."""
        self._require_access(caller(), request.passenger_id)
        passenger_id, now = request.passenger_id, self._deps.clock()
        held = self._tracker.proximity(passenger_id, "", now).ping_time != NO_PING_TIME
        forgotten = self._tracker.forget(passenger_id) and held
        # The booked departure airport is not location data: keep measuring against it
        # should the passenger consent again.
        self._tracker.set_target(passenger_id, self._deps.target_of(passenger_id), now)
        self._deps.publisher.forget(passenger_id)
        return pls.ForgetPassengerResponse(forgotten=forgotten)

    def _count_refusal(self, error: Exception) -> None:
        if getattr(error, "reason", "") in ("OTHER_PASSENGER", "OTHER_CARRIER"):
            reason = "not_allowed"
        else:
            reason = "no_consent" if isinstance(error, PermissionDeniedError) else "invalid"
        self._metrics.pings_refused.labels(reason).inc()


def binding(deps: LocatorDeps) -> ServiceBinding:
    """The servicer as the runtime's server bootstrap takes it."""
    return ServiceBinding(
        pls.DESCRIPTOR.services_by_name["PassengerLocationService"],
        PassengerLocationService(deps),
        pls_grpc.add_PassengerLocationServiceServicer_to_server,
        ACCESS,
    )

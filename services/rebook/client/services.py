"""Typed clients for the four rebook services.

Each method takes and returns the protobuf messages of ``rebook.v1`` (the API's one definition),
puts a deadline on every unary call, splits bulk writes into chunks that fit a gRPC message, and
fills idempotency keys the caller left empty.  Errors are ``grpc.RpcError`` with the service's
canonical code and ``google.rpc`` details (``rebook.runtime.grpc_errors.field_violations`` reads
them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import NamedTuple, TypeVar

import grpc

from rebook.v1 import batch_pb2, booking_pb2, event_pb2, flight_pb2, location_pb2, offer_pb2
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from rebook.v1 import notification_service_pb2 as ns
from rebook.v1 import notification_service_pb2_grpc as ns_grpc
from rebook.v1 import passenger_location_service_pb2 as pls
from rebook.v1 import passenger_location_service_pb2_grpc as pls_grpc
from rebook.v1 import rebooking_service_pb2 as rs
from rebook.v1 import rebooking_service_pb2_grpc as rs_grpc

from .channel import ClientOptions, open_channel

T = TypeVar("T")
STREAM_DEADLINE_S = 24 * 3600.0  # streams run until the caller stops reading; a day at most


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class UpsertResult(NamedTuple):
    """What ``upsert_bookings`` did: counts, and the refused bookings (as many as the replies
    listed; ``rejected_count`` counts them all)."""

    stored: int
    unchanged: int
    rejected_count: int
    rejected: list[batch_pb2.RejectedItem]


def _from_start(rejected: Iterable[batch_pb2.RejectedItem], start: int) -> list[batch_pb2.RejectedItem]:
    """Refused items of one chunk, their index moved to the position in the caller's input."""
    items = list(rejected)
    for item in items:
        item.index += start
    return items


class _Client:
    def __init__(self, options: ClientOptions, channel: grpc.Channel | None = None) -> None:
        self.options = options
        self.channel = channel or open_channel(options)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def deadline(self) -> float:
        return self.options.deadline_s


class FlightStatusClient(_Client):
    """The detector: schedules and flight events in, disruptions out."""

    def __init__(self, options: ClientOptions, channel: grpc.Channel | None = None) -> None:
        super().__init__(options, channel)
        self.stub = fss_grpc.FlightStatusServiceStub(self.channel)

    def load_schedule(
        self, legs: Iterable[flight_pb2.FlightLeg], chunk: int = 500, atomic: bool = False
    ) -> list[fss.LoadScheduleResponse]:
        """Loads legs in chunks; one response per chunk, in order.  Each refused leg is in its
        chunk's ``rejected`` with its ``index`` in the whole of ``legs`` (the other legs were
        loaded); ``atomic`` makes each chunk all or nothing (``INVALID_ARGUMENT``)."""
        replies = []
        start = 0
        for part in chunks(legs, chunk):
            reply = self.stub.LoadSchedule(fss.LoadScheduleRequest(legs=part, atomic=atomic), timeout=self.deadline)
            _from_start(reply.rejected, start)
            replies.append(reply)
            start += len(part)
        return replies

    def report_events(self, events: Iterable[event_pb2.FlightEvent], chunk: int = 200) -> list[fss.FlightEventResult]:
        """Reports events in order, in chunks; one result per event.  Every event needs an
        ``event_id``: it is what makes a retried or replayed event change nothing."""
        results: list[fss.FlightEventResult] = []
        for part in chunks(events, chunk):
            missing = [i for i, event in enumerate(part) if not event.event_id]
            if missing:
                raise ValueError(f"flight events need an event_id (the idempotency key); missing at {missing}")
            reply = self.stub.ReportFlightEvents(fss.ReportFlightEventsRequest(events=part), timeout=self.deadline)
            results.extend(reply.results)
        return results

    def get_leg(self, leg_id: str) -> flight_pb2.FlightLeg:
        return self.stub.GetFlightLeg(fss.GetFlightLegRequest(leg_id=leg_id), timeout=self.deadline).leg

    def watch_disruptions(self, carrier: str = "", airport: str = "") -> Iterator[fss.WatchDisruptionsResponse]:
        """Follows disruptions as they are emitted, until the caller stops or the stream ends."""
        request = fss.WatchDisruptionsRequest(carrier=carrier, airport=airport)
        yield from self.stub.WatchDisruptions(request, timeout=STREAM_DEADLINE_S)


class RebookingClient(_Client):
    """The optimizer: bookings in, offers out, passengers' answers."""

    def __init__(self, options: ClientOptions, channel: grpc.Channel | None = None) -> None:
        super().__init__(options, channel)
        self.stub = rs_grpc.RebookingServiceStub(self.channel)

    def upsert_bookings(
        self, bookings: Iterable[booking_pb2.Booking], chunk: int = 500, atomic: bool = False
    ) -> UpsertResult:
        """Stored, unchanged and refused bookings over all chunks; idempotent by record locator +
        version.  A refused booking's ``index`` is its position in the whole of ``bookings``;
        ``UNKNOWN_LEG`` (FAILED_PRECONDITION) means a leg is not loaded yet.  ``atomic`` makes
        each chunk all or nothing (``INVALID_ARGUMENT``)."""
        stored = unchanged = refused = start = 0
        rejected: list[batch_pb2.RejectedItem] = []
        for part in chunks(bookings, chunk):
            request = rs.UpsertBookingsRequest(bookings=part, atomic=atomic)
            reply = self.stub.UpsertBookings(request, timeout=self.deadline)
            stored, unchanged = stored + reply.upserted_count, unchanged + reply.unchanged_count
            refused += reply.rejected_count
            rejected += _from_start(reply.rejected, start)
            start += len(part)
        return UpsertResult(stored, unchanged, refused, rejected)

    def respond(
        self,
        offer: offer_pb2.Offer,
        kind: offer_pb2.ResponseKind,
        option_id: str = "",
        response_id: str | None = None,
    ) -> offer_pb2.Offer:
        """Answers the version of ``offer`` the passenger saw; a fresh ``response_id`` unless given
        (pass the same one to retry an answer whose outcome you did not learn)."""
        response = offer_pb2.PassengerResponse(
            response_id=response_id or uuid.uuid4().hex,
            offer_id=offer.offer_id,
            offer_version=offer.version,
            kind=kind,
            option_id=option_id,
        )
        response.response_time.GetCurrentTime()
        return self.stub.RespondToOffer(rs.RespondToOfferRequest(response=response), timeout=self.deadline).offer

    def get_offer(self, offer_id: str = "", record_locator: str = "") -> offer_pb2.Offer:
        request = rs.GetOfferRequest(offer_id=offer_id, record_locator=record_locator)
        return self.stub.GetOffer(request, timeout=self.deadline).offer

    def list_offers(self, leg_id: str) -> Sequence[offer_pb2.Offer]:
        return self.stub.ListOffers(rs.ListOffersRequest(leg_id=leg_id), timeout=self.deadline).offers

    def simulate(self, events: Iterable[event_pb2.FlightEvent], solver: str = "") -> rs.SimulateResponse:
        return self.stub.Simulate(rs.SimulateRequest(events=list(events), solver=solver), timeout=self.deadline)


class LocationClient(_Client):
    """The locator: opt-in pings from passenger apps; coarse proximity only."""

    def __init__(self, options: ClientOptions, channel: grpc.Channel | None = None) -> None:
        super().__init__(options, channel)
        self.stub = pls_grpc.PassengerLocationServiceStub(self.channel)

    def report_ping(self, ping: location_pb2.LocationPing) -> pls.ReportPingResponse:
        return self.stub.ReportPing(pls.ReportPingRequest(ping=ping), timeout=self.deadline)

    def get_proximity(self, passenger_id: str, airport: str = "") -> location_pb2.Proximity:
        request = pls.GetProximityRequest(passenger_id=passenger_id, airport=airport)
        return self.stub.GetProximity(request, timeout=self.deadline).proximity

    def forget(self, passenger_id: str) -> bool:
        request = pls.ForgetPassengerRequest(passenger_id=passenger_id)
        return self.stub.ForgetPassenger(request, timeout=self.deadline).forgotten


class NotificationClient(_Client):
    """The notifier: what the app backend streams to passengers' devices."""

    def __init__(self, options: ClientOptions, channel: grpc.Channel | None = None) -> None:
        super().__init__(options, channel)
        self.stub = ns_grpc.NotificationServiceStub(self.channel)

    def subscribe(self, passenger_id: str) -> Iterator[ns.Notification]:
        """Every notification for ``passenger_id`` as the notifier delivers it; ends when the
        caller stops reading or the server ends the stream."""
        stream = self.stub.Subscribe(ns.SubscribeRequest(passenger_id=passenger_id), timeout=STREAM_DEADLINE_S)
        try:
            for reply in stream:
                yield reply.notification
        finally:
            stream.cancel()

    def acknowledge(self, notification_id: str) -> ns.Notification:
        request = ns.AcknowledgeNotificationRequest(notification_id=notification_id)
        return self.stub.AcknowledgeNotification(request, timeout=self.deadline).notification

    def list_notifications(self, passenger_id: str) -> Sequence[ns.Notification]:
        request = ns.ListNotificationsRequest(passenger_id=passenger_id)
        return self.stub.ListNotifications(request, timeout=self.deadline).notifications

"""The optimizer over the real broker: views from topics, a cancellation on the disruptions
topic → offers with held seats on the offers topic, answers through gRPC, a restart."""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta

import grpc
import pytest

from rebook.domain.convert import disruption_to_proto, leg_to_proto
from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus
from rebook.optimizer.app import OptimizerTopics, build
from rebook.optimizer.main import load_config
from rebook.runtime.auth import bearer
from rebook.runtime.config import Env
from rebook.runtime.grpc_errors import field_violations
from rebook.runtime.kafka import EventProducer, read_to_end
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceDeps, serving
from rebook.v1 import booking_pb2, flight_pb2, offer_pb2
from rebook.v1 import rebooking_service_pb2 as pb
from rebook.v1 import rebooking_service_pb2_grpc as pb_grpc
from tests.helpers.auth import client_channel, client_token, passenger_token
from tests.helpers.net import wait_until
from tests.unit.optimizer.conftest import T0, leg

CANCELLED = leg(100, "FRA", "JFK", 0, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 5})
LATER = [
    leg(101, "FRA", "JFK", 120, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 7}),
    leg(102, "FRA", "JFK", 240, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 6}),
    leg(103, "FRA", "JFK", 600, 480, {Cabin.ECONOMY: 10}, {Cabin.ECONOMY: 0}),
]
NOW = T0 - timedelta(hours=2)
JUST_LOADED = leg(104, "FRA", "JFK", 700, 480, {Cabin.ECONOMY: 10})


@pytest.fixture
def topics(make_topic) -> OptimizerTopics:
    return OptimizerTopics(
        flights=make_topic("flights", 2, True),
        bookings=make_topic("bookings", 2, True),
        proximity=make_topic("proximity", 1, True),
        offers=make_topic("offers", 2),
        disruptions=make_topic("disruptions", 1),
        dead_letter=make_topic("dlq"),
    )


class Running:
    """One optimizer as ``main`` builds it (``rebook.optimizer.app.build``), served on a free port."""

    def __init__(self, bootstrap: str, topics: OptimizerTopics, group: str) -> None:
        self.registry = new_registry()
        self.producer = EventProducer(bootstrap, self.registry)
        config = replace(load_config(Env({})), topics=topics)
        self.app = build(config, ServiceDeps(bootstrap, self.producer, self.registry, group, clock=lambda: NOW))
        self.serving = ExitStack()
        self.server = self.serving.enter_context(serving(self.app, "127.0.0.1:0", self.registry, grace_s=0))
        self.channel = client_channel(self.server.port)
        self.stub = pb_grpc.RebookingServiceStub(self.channel)
        assert self.app.views.caught_up.wait(30)
        assert self.app.disruptions.ready.wait(30)

    def stop(self) -> None:
        self.channel.close()
        self.serving.close()
        self.producer.close()


def _booking(locator: str, party: int) -> booking_pb2.Booking:
    return booking_pb2.Booking(
        record_locator=locator,
        version=1,
        carrier="RB",
        passengers=[booking_pb2.Passenger(passenger_id=f"pax-{uuid.uuid4().hex[:8]}", tier=1) for _ in range(party)],
        segments=[booking_pb2.BookingSegment(leg_id=CANCELLED.leg_id, cabin=Cabin.ECONOMY)],
    )


def _offers(bootstrap: str, topics: OptimizerTopics) -> list[offer_pb2.Offer]:
    return [r.decode(offer_pb2.Offer) for r in read_to_end(bootstrap, [topics.offers])]


def _latest(offers: list[offer_pb2.Offer]) -> dict[str, offer_pb2.Offer]:
    latest: dict[str, offer_pb2.Offer] = {}
    for offer in offers:
        if offer.offer_id not in latest or offer.version > latest[offer.offer_id].version:
            latest[offer.offer_id] = offer
    return latest


def test_cancellation_to_offers_answers_and_restart(kafka_bootstrap, topics) -> None:
    seed = EventProducer(kafka_bootstrap, new_registry())
    for flight in (replace(CANCELLED, status=FlightStatus.CANCELLED, version=2), *LATER):
        seed.publish(topics.flights, flight.leg_id, leg_to_proto(flight))
    seed.flush()
    group = f"optimizer-{uuid.uuid4().hex[:6]}"
    running = Running(kafka_bootstrap, topics, group)
    try:
        reply = running.stub.UpsertBookings(
            pb.UpsertBookingsRequest(bookings=[_booking("AAAAA1", 3), _booking("BBBBB2", 2)]), timeout=10
        )
        assert reply.upserted_count == 2
        assert wait_until(lambda: len(running.app.deps.engine.bookings) == 2, 10)
        assert {r.key for r in read_to_end(kafka_bootstrap, [topics.bookings])} == {"AAAAA1", "BBBBB2"}

        with pytest.raises(grpc.RpcError) as bad:  # all or nothing, for callers who ask
            request = pb.UpsertBookingsRequest(bookings=[_booking("CCCCC3", 1), _booking("no", 1)], atomic=True)
            running.stub.UpsertBookings(request, timeout=10)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert ("bookings[1].record_locator", "must be 5-8 upper-case letters or digits") in field_violations(bad.value)
        assert "CCCCC3" not in running.app.deps.engine.bookings

        disruption = Disruption(
            f"CANCELLATION:{CANCELLED.leg_id}",
            1,
            DisruptionKind.CANCELLATION,
            "RB",
            (CANCELLED.leg_id,),
            NOW,
        )
        sent = time.monotonic()
        seed.publish(topics.disruptions, "RB", disruption_to_proto(disruption))
        seed.flush()
        assert wait_until(lambda: len(_offers(kafka_bootstrap, topics)) >= 2, 20)
        offers = _latest(_offers(kafka_bootstrap, topics))
        print(f"cancellation → offers on topic in {time.monotonic() - sent:.2f}s")
        assert {o.record_locator for o in offers.values()} == {"AAAAA1", "BBBBB2"}
        held: dict[str, int] = {}
        for offer in offers.values():
            assert offer.status == offer_pb2.OFFER_STATUS_OPEN
            assert offer.options[0].held and offer.options[-1].kind in (
                offer_pb2.OPTION_KIND_REFUND,
                offer_pb2.OPTION_KIND_AGENT,
            )
            for hold in offer.holds:
                held[hold.leg_id] = held.get(hold.leg_id, 0) + hold.seats
        free = {g.leg_id: g.capacity[Cabin.ECONOMY] - g.sold[Cabin.ECONOMY] for g in LATER}
        assert all(seats <= free[leg_id] for leg_id, seats in held.items()), held

        target = offers[f"AAAAA1/{disruption.disruption_id}"]
        response = pb.RespondToOfferRequest(
            response=offer_pb2.PassengerResponse(
                response_id="resp-1",
                offer_id=target.offer_id,
                offer_version=target.version,
                kind=offer_pb2.RESPONSE_KIND_ACCEPT,
            )
        )
        other = offers[f"BBBBB2/{disruption.disruption_id}"]
        _only_the_booking_passenger_or_carrier_sees_it(running.stub, target, other)
        own = bearer(passenger_token(target.passenger_ids[0]))
        accepted = running.stub.RespondToOffer(response, metadata=own, timeout=10).offer
        assert accepted.status == offer_pb2.OFFER_STATUS_ACCEPTED and accepted.version == target.version + 1
        assert running.stub.RespondToOffer(response, timeout=10).offer.version == accepted.version  # idempotent
        listed = running.stub.ListOffers(pb.ListOffersRequest(leg_id=CANCELLED.leg_id), timeout=10)
        assert len(listed.offers) == 2
        with pytest.raises(grpc.RpcError) as missing:
            running.stub.GetOffer(pb.GetOfferRequest(offer_id="nope"), timeout=10)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        holds_before = running.app.deps.engine.holds_in_use()
    finally:
        running.stop()

    restarted = Running(kafka_bootstrap, topics, group)
    try:
        assert restarted.app.deps.engine.holds_in_use() == holds_before
        before = len(_offers(kafka_bootstrap, topics))
        seed.publish(topics.disruptions, "RB", disruption_to_proto(disruption))  # a replay
        seed.flush()
        time.sleep(2)
        assert len(_offers(kafka_bootstrap, topics)) == before
    finally:
        restarted.stop()
        seed.close()


def _denied(call, request, metadata) -> None:
    with pytest.raises(grpc.RpcError) as denied:
        call(request, metadata=metadata, timeout=10)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED, denied.value.details()


def _only_the_booking_passenger_or_carrier_sees_it(
    stub: pb_grpc.RebookingServiceStub, target: offer_pb2.Offer, other: offer_pb2.Offer
) -> None:
    """The attacks of issue 12: another passenger refunds or reads an offer, a client of another
    carrier lists or takes over bookings; a missing offer looks the same as someone else's."""
    stranger = bearer(passenger_token(other.passenger_ids[0]))
    refund = pb.RespondToOfferRequest(
        response=offer_pb2.PassengerResponse(
            response_id="attack", offer_id=target.offer_id, kind=offer_pb2.RESPONSE_KIND_REFUND
        )
    )
    _denied(stub.RespondToOffer, refund, stranger)
    _denied(stub.GetOffer, pb.GetOfferRequest(record_locator=target.record_locator), stranger)
    _denied(stub.GetOffer, pb.GetOfferRequest(offer_id="nope"), stranger)
    _denied(stub.ListOffers, pb.ListOffersRequest(leg_id=CANCELLED.leg_id), stranger)
    own = bearer(passenger_token(target.passenger_ids[0]))
    assert stub.GetOffer(pb.GetOfferRequest(record_locator=target.record_locator), metadata=own).offer == target
    xx = bearer(client_token(["XX"], ["offers:read", "bookings:write", "offers:respond-on-behalf"]))
    _denied(stub.GetOffer, pb.GetOfferRequest(offer_id=target.offer_id), xx)
    _denied(stub.RespondToOffer, refund, xx)
    _denied(stub.ListOffers, pb.ListOffersRequest(leg_id=CANCELLED.leg_id), xx)
    takeover = replace_carrier(_booking(target.record_locator, 1), "XX")
    # Taking over another carrier's record locator is that item's refusal (the rest of a batch
    # applies), or the whole call's when the caller asked for all or nothing.
    reply = stub.UpsertBookings(pb.UpsertBookingsRequest(bookings=[takeover]), metadata=xx, timeout=10)
    assert reply.upserted_count == 0 and reply.rejected_count == 1
    assert (reply.rejected[0].code, reply.rejected[0].reason) == ("PERMISSION_DENIED", "OTHER_CARRIER")
    _denied(stub.UpsertBookings, pb.UpsertBookingsRequest(bookings=[takeover], atomic=True), xx)
    rb = bearer(client_token(["RB"], ["offers:read"]))
    assert stub.GetOffer(pb.GetOfferRequest(offer_id=target.offer_id), metadata=rb).offer == target


def replace_carrier(booking: booking_pb2.Booking, carrier: str) -> booking_pb2.Booking:
    booking.carrier = carrier
    return booking


def _on_leg(locator: str, leg_id: str, cabin: Cabin = Cabin.ECONOMY, party: int = 1) -> booking_pb2.Booking:
    booking = _booking(locator, party)
    booking.segments[0].leg_id, booking.segments[0].cabin = leg_id, cabin
    return booking


def test_upsert_applies_the_valid_bookings_and_reports_each_refused_one(kafka_bootstrap, topics) -> None:
    """Issues 13.9 / 14.8: one bad booking is refused alone, with its index and field violations;
    bookings are checked against the schedule the optimizer follows (legs, cabins, party size)."""
    seed = EventProducer(kafka_bootstrap, new_registry())
    for flight in (CANCELLED, *LATER):
        seed.publish(topics.flights, flight.leg_id, leg_to_proto(flight))
    seed.flush()
    running = Running(kafka_bootstrap, topics, f"optimizer-{uuid.uuid4().hex[:6]}")
    try:
        repeated = _on_leg("DDDDD4", CANCELLED.leg_id)
        repeated.segments.add(leg_id=CANCELLED.leg_id, cabin=Cabin.ECONOMY)
        tier = _on_leg("FFFFF6", CANCELLED.leg_id)
        tier.passengers[0].tier = 99
        bookings = [
            _on_leg("GOOD01", CANCELLED.leg_id),
            _on_leg("UNKNW2", "RB999-2026-11-23-FRA"),
            _on_leg("EMPTY3", ""),
            repeated,
            _on_leg("CABIN5", LATER[0].leg_id, Cabin.FIRST),
            tier,
            _on_leg("GROUP7", LATER[1].leg_id, party=501),
            _on_leg("GOOD08", LATER[2].leg_id),
            _on_leg("JUST09", JUST_LOADED.leg_id),
        ]
        # A leg published just now (as the detector does on LoadSchedule): the optimizer reads
        # its flights view to the topic's end before calling a leg unknown.
        seed.publish(topics.flights, JUST_LOADED.leg_id, leg_to_proto(JUST_LOADED))
        seed.flush()
        reply = running.stub.UpsertBookings(pb.UpsertBookingsRequest(bookings=bookings), timeout=10)
        assert reply.upserted_count == 3
        rejected = {r.index: r for r in reply.rejected}
        assert sorted(rejected) == [1, 2, 3, 4, 5, 6]
        assert reply.rejected_count == 6
        first = (rejected[1].code, rejected[1].reason, rejected[1].id)
        assert first == ("FAILED_PRECONDITION", "UNKNOWN_LEG", "UNKNW2")
        expected = {
            1: "bookings[1].segments[0].leg_id",
            2: "bookings[2].segments[0].leg_id",
            3: "bookings[3].segments[1].leg_id",
            4: "bookings[4].segments[0].cabin",
            5: "bookings[5].passengers[0].tier",
            6: "bookings[6].passengers",
        }
        for index, field in expected.items():
            assert field in {v.field for v in rejected[index].violations}, (index, rejected[index])
            assert index == 1 or rejected[index].code == "INVALID_ARGUMENT"
        stored = {"GOOD01", "GOOD08", "JUST09"}
        assert wait_until(lambda: stored <= set(running.app.deps.engine.bookings), 10)
        assert {r.key for r in read_to_end(kafka_bootstrap, [topics.bookings])} == stored
    finally:
        running.stop()
        seed.close()


def test_flight_messages_are_typed() -> None:
    assert flight_pb2.FlightLeg.DESCRIPTOR.full_name == "rebook.v1.FlightLeg"

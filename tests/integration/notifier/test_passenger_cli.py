"""``rebook passenger`` against a real notifier and a real RebookingService server (a test
servicer standing in for the optimizer, which records the answer and returns the offer)."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator

import grpc
import pytest

from rebook.notifier.core.auth import Scope
from rebook.optimizer.servicer import ACCESS
from rebook.runtime.grpc_server import ServiceBinding, build_server
from rebook.runtime.metrics import new_registry
from rebook.tooling import passenger_cli
from rebook.v1 import offer_pb2
from rebook.v1 import rebooking_service_pb2 as rpb
from rebook.v1 import rebooking_service_pb2_grpc as rpb_grpc
from tests.integration.notifier.conftest import group, token
from tests.unit.notifier.notifier_helpers import make_offer


class Optimizer(rpb_grpc.RebookingServiceServicer):
    def __init__(self) -> None:
        self.answers: list[tuple[offer_pb2.PassengerResponse, str]] = []
        self.current: offer_pb2.Offer | None = None  # what GetOffer returns; None: NOT_FOUND

    def GetOffer(self, request, context):
        if self.current is None or request.record_locator != self.current.record_locator:
            context.abort(grpc.StatusCode.NOT_FOUND, "no offer for that booking")
        return rpb.GetOfferResponse(offer=self.current)

    def RespondToOffer(self, request, context):
        authorization = dict(context.invocation_metadata()).get("authorization", "")
        self.answers.append((request.response, authorization))
        offer = make_offer(version=request.response.offer_version + 1)
        offer.status = offer_pb2.OFFER_STATUS_ACCEPTED
        offer.chosen_option_id = request.response.option_id
        return rpb.RespondToOfferResponse(offer=offer)


@pytest.fixture
def optimizer() -> Iterator[tuple[Optimizer, int]]:
    servicer = Optimizer()
    binding = ServiceBinding(
        rpb.DESCRIPTOR.services_by_name["RebookingService"],
        servicer,
        rpb_grpc.add_RebookingServiceServicer_to_server,
        ACCESS,
    )
    server = build_server("127.0.0.1:0", [binding], new_registry())
    server.start()
    yield servicer, server.port
    server.stop(0)


def test_passenger_sees_the_offer_and_switches(notifiers, topics, producer, optimizer) -> None:
    servicer, optimizer_port = optimizer
    running = notifiers.start(group())
    producer.publish(topics.offers, "OTHER1", make_offer("off-other", locator="OTHER1"))
    producer.publish(topics.offers, "ABC123", make_offer(version=3))
    producer.flush()
    passenger_token = token("pax-1")
    args = argparse.Namespace(
        booking="ABC123",
        token=passenger_token,
        notifier=f"127.0.0.1:{running.server.port}",
        optimizer=f"127.0.0.1:{optimizer_port}",
        wait=20.0,
        rpc_timeout=5.0,
    )
    typed = iter(["maybe", "s 2"])
    out = io.StringIO()
    assert passenger_cli.run(args, ask=lambda prompt: next(typed), out=out) == 0
    text = out.getvalue()
    assert "Disruption on booking ABC123 — offer off-1 v3: waiting for your answer" in text
    assert "OTHER1" not in text
    assert "type a, s N, r or q" in text
    assert "Your answer was taken." in text and "You chose: opt-2" in text
    ((response, authorization),) = servicer.answers
    assert (response.offer_id, response.offer_version, response.kind, response.option_id) == (
        "off-1",
        3,
        offer_pb2.RESPONSE_KIND_SWITCH,
        "opt-2",
    )
    assert response.response_id and authorization == f"Bearer {passenger_token}"
    acknowledged = {e.notification_id for e in running.notifier.engine.list(Scope("pax-1")) if e.acknowledge_time}
    assert acknowledged == {"off-1:3:pax-1"}


def test_optimizer_errors_are_printed(notifiers, topics, producer) -> None:
    running = notifiers.start(group())
    producer.publish(topics.offers, "ABC123", make_offer())
    producer.flush()
    args = argparse.Namespace(
        booking="ABC123",
        token=token("pax-1"),
        notifier=f"127.0.0.1:{running.server.port}",
        optimizer="127.0.0.1:1",  # nobody listens
        wait=20.0,
        rpc_timeout=1.0,
    )
    out = io.StringIO()
    assert passenger_cli.run(args, ask=lambda prompt: "a", out=out) == 1
    assert "Your answer was not taken: UNAVAILABLE" in out.getvalue()


def test_an_offer_pushed_before_the_client_connected_is_shown_first(notifiers, optimizer) -> None:
    servicer, optimizer_port = optimizer
    servicer.current = make_offer(version=2)  # delivered to the device earlier: no stream sends it again
    running = notifiers.start(group())
    args = argparse.Namespace(
        booking="ABC123",
        token=token("pax-1"),
        notifier=f"127.0.0.1:{running.server.port}",
        optimizer=f"127.0.0.1:{optimizer_port}",
        wait=20.0,
        rpc_timeout=5.0,
    )
    out = io.StringIO()
    assert passenger_cli.run(args, ask=lambda prompt: "a", out=out) == 0
    assert "offer off-1 v2: waiting for your answer" in out.getvalue()
    ((response, _),) = servicer.answers
    assert (response.offer_version, response.kind) == (2, offer_pb2.RESPONSE_KIND_ACCEPT)

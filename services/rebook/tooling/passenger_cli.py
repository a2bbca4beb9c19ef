"""``rebook passenger``: a terminal stand-in for the passenger's app.

Subscribes to the notifier with a passenger token, prints each offer for the booking, and
sends the answer (accept, switch, refund) to the optimizer's ``RespondToOffer``.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO, cast

import grpc

from rebook.domain.convert import to_timestamp
from rebook.notifier.core.display import PROMPT, Answer, awaits_answer, format_offer, parse_answer
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.grpc_errors import field_violations
from rebook.tooling.args import positive_float
from rebook.v1 import notification_service_pb2 as npb
from rebook.v1 import notification_service_pb2_grpc as npb_grpc
from rebook.v1 import offer_pb2
from rebook.v1 import rebooking_service_pb2 as rpb
from rebook.v1 import rebooking_service_pb2_grpc as rpb_grpc

_END = object()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--booking", required=True, help="record locator to follow")
    parser.add_argument("--token", required=True, help="passenger token (from the airline app; rebook token passenger)")
    parser.add_argument("--notifier", default="127.0.0.1:50054", help="NotificationService address")
    parser.add_argument("--optimizer", default="127.0.0.1:50053", help="RebookingService address")
    parser.add_argument(
        "--wait", type=positive_float, default=3600.0, help="seconds to wait for offers (stream deadline)"
    )
    parser.add_argument("--rpc-timeout", type=positive_float, default=10.0, help="deadline of each unary call, seconds")


@dataclass
class _Session:
    args: argparse.Namespace
    notifier: npb_grpc.NotificationServiceStub
    optimizer: rpb_grpc.RebookingServiceStub
    ask: Callable[[str], str]
    out: TextIO

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.args.token}"),)

    def offers(self, stream: Iterator[npb.SubscribeResponse]) -> queue.Queue:
        """Reads the stream on a thread; yields notifications of the booking, then ``_END``/an error."""
        found: queue.Queue = queue.Queue()

        def read() -> None:
            try:
                for reply in stream:
                    if reply.notification.offer.record_locator == self.args.booking:
                        found.put(reply.notification)
                found.put(_END)
            except grpc.RpcError as error:
                found.put(error)

        threading.Thread(target=read, name="subscribe", daemon=True).start()
        return found

    def acknowledge(self, notification: npb.Notification) -> None:
        request = npb.AcknowledgeNotificationRequest(notification_id=notification.notification_id)
        try:
            self.notifier.AcknowledgeNotification(request, metadata=self.metadata, timeout=self.args.rpc_timeout)
        except grpc.RpcError as error:
            print(f"(could not acknowledge: {_describe(error)})", file=self.out)

    def answer(self, offer: offer_pb2.Offer) -> Answer | None:
        """Asks until the answer is clear; ``None`` to quit."""
        while True:
            try:
                return parse_answer(self.ask(PROMPT), offer)
            except EOFError:
                return None
            except ValueError as hint:
                print(hint, file=self.out)

    def respond(self, offer: offer_pb2.Offer, answer: Answer) -> int:
        response = offer_pb2.PassengerResponse(
            response_id=uuid.uuid4().hex,
            offer_id=offer.offer_id,
            offer_version=offer.version,
            kind=cast(offer_pb2.ResponseKind, answer.kind),
            option_id=answer.option_id,
            response_time=to_timestamp(datetime.now(UTC)),
        )
        request = rpb.RespondToOfferRequest(response=response)
        try:
            reply = self.optimizer.RespondToOffer(request, metadata=self.metadata, timeout=self.args.rpc_timeout)
        except grpc.RpcError as error:
            print(f"Your answer was not taken: {_describe(error)}", file=self.out)
            return 1
        print("Your answer was taken.\n" + format_offer(reply.offer), file=self.out)
        return 0

    def current(self) -> offer_pb2.Offer | None:
        """The booking's latest offer, if it has one: what was pushed before this client connected."""
        request = rpb.GetOfferRequest(record_locator=self.args.booking)
        try:
            return self.optimizer.GetOffer(request, metadata=self.metadata, timeout=self.args.rpc_timeout).offer
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                print(f"(could not read the current offer: {_describe(error)})", file=self.out)
            return None


def _describe(error: grpc.RpcError) -> str:
    code = error.code().name if error.code() else "UNKNOWN"
    violations = "; ".join(f"{field}: {text}" for field, text in field_violations(error))
    return f"{code}: {error.details()}" + (f" ({violations})" if violations else "")


def converse(session: _Session, found: queue.Queue) -> int:
    """Shows the current offer, then offers as they come; answers the first open one; returns
    the exit code.  A version already shown is not shown again."""
    shown: set[tuple[str, int]] = set()
    offer = session.current()
    if offer is not None:
        shown.add((offer.offer_id, offer.version))
        print("\n" + format_offer(offer), file=session.out)
        if awaits_answer(offer):
            answer = session.answer(offer)
            return 0 if answer is None else session.respond(offer, answer)
    while True:
        item = found.get()
        if item is _END:
            print("The notifier closed the stream.", file=session.out)
            return 0
        if isinstance(item, grpc.RpcError):
            if item.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                print("No more offers within the waiting time.", file=session.out)
                return 0
            print(f"Subscription failed: {_describe(item)}", file=session.out)
            return 1
        session.acknowledge(item)
        if (item.offer.offer_id, item.offer.version) in shown:
            continue
        shown.add((item.offer.offer_id, item.offer.version))
        print("\n" + format_offer(item.offer), file=session.out)
        if awaits_answer(item.offer):
            answer = session.answer(item.offer)
            return 0 if answer is None else session.respond(item.offer, answer)


def run(args: argparse.Namespace, ask: Callable[[str], str] = input, out: TextIO = sys.stdout) -> int:
    with open_channel(args.notifier, args.token) as notifier, open_channel(args.optimizer, args.token) as optimizer:
        session = _Session(
            args, npb_grpc.NotificationServiceStub(notifier), rpb_grpc.RebookingServiceStub(optimizer), ask, out
        )
        stream = session.notifier.Subscribe(npb.SubscribeRequest(), metadata=session.metadata, timeout=args.wait)
        print(f"Waiting for offers on booking {args.booking} …", file=out)
        try:
            return converse(session, session.offers(stream))
        except KeyboardInterrupt:
            return 130
        finally:
            stream.cancel()

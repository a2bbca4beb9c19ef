"""A real notifier (engine, webhook pool, Kafka consumer, gRPC server) on throwaway topics,
a real HTTP webhook receiver, and a gRPC subscriber that collects on a thread."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from prometheus_client import CollectorRegistry

from rebook.notifier.app import Notifier, NotifierConfig, NotifierService, NotifierTopics, build
from rebook.notifier.core.retry import RetryPolicy
from rebook.notifier.core.settings import NotifierSettings
from rebook.runtime.grpc_client import open_channel
from rebook.runtime.grpc_server import ServiceServer
from rebook.runtime.kafka import EventProducer
from rebook.runtime.metrics import new_registry
from rebook.runtime.service import ServiceDeps, serving
from rebook.v1 import notification_service_pb2 as pb
from rebook.v1 import notification_service_pb2_grpc as pb_grpc
from tests.helpers.auth import passenger_token

WEBHOOK_SECRET = b"integration-webhook-secret"
SETTINGS = NotifierSettings(
    webhook_secret=WEBHOOK_SECRET,
    retry=RetryPolicy(max_attempts=3, base_s=0.05, cap_s=0.2),
    webhook_timeout=timedelta(seconds=2),
    webhook_workers=4,
    webhook_https_only=False,
    webhook_allow_hosts=("127.0.0.1",),  # the test's receiver is on loopback
)


def token(passenger_id: str, ttl: timedelta = timedelta(minutes=10)) -> str:
    return passenger_token(passenger_id, ttl)


def bearer(credential: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {credential}"),)


@dataclass
class Running:
    """One notifier as ``main`` builds it (``rebook.notifier.app.build``), served on a free port."""

    service: NotifierService
    serving: ExitStack  # closing it stops the notifier as SIGTERM would
    server: ServiceServer
    registry: CollectorRegistry
    channel: grpc.Channel

    @property
    def notifier(self) -> Notifier:
        assert self.service.notifier is not None
        return self.service.notifier

    @property
    def stub(self) -> pb_grpc.NotificationServiceStub:
        return pb_grpc.NotificationServiceStub(self.channel)

    def stop(self) -> None:
        self.channel.close()
        self.serving.close()


@dataclass
class NotifierFactory:
    bootstrap: str
    topics: NotifierTopics
    producer: EventProducer
    started: list[Running] = field(default_factory=list)

    def start(self, group_id: str, settings: NotifierSettings = SETTINGS) -> Running:
        registry = new_registry()
        deps = ServiceDeps(self.bootstrap, self.producer, registry, group_id)
        service = build(NotifierConfig(settings, self.topics), deps)
        stack = ExitStack()
        server = stack.enter_context(serving(service, "127.0.0.1:0", registry, grace_s=0))
        running = Running(service, stack, server, registry, open_channel(f"127.0.0.1:{server.port}"))
        self.started.append(running)
        (offers,) = service.consumers
        assert offers.ready.wait(30), "offers consumer got no partitions"
        return running


@pytest.fixture
def topics(make_topic) -> NotifierTopics:
    return NotifierTopics(
        offers=make_topic("offers", partitions=3),
        state=make_topic("notifier-state", partitions=3, compacted=True),
        dead_letter=make_topic("notifier-dlq"),
        poison=make_topic("notifier-poison"),
    )


@pytest.fixture
def producer(kafka_bootstrap) -> Iterator[EventProducer]:
    producer = EventProducer(kafka_bootstrap, new_registry(), client_id="test-offers")
    yield producer
    producer.close()


@pytest.fixture
def notifiers(kafka_bootstrap, topics, producer) -> Iterator[NotifierFactory]:
    factory = NotifierFactory(kafka_bootstrap, topics, producer)
    yield factory
    for running in factory.started:
        running.stop()


def group() -> str:
    return f"test-notifier-{uuid.uuid4().hex[:8]}"


class Subscriber:
    """An open Subscribe stream whose notifications are collected on a thread."""

    def __init__(self, stub: pb_grpc.NotificationServiceStub, credential: str, passenger_id: str = "") -> None:
        self.received: queue.Queue = queue.Queue()
        self._call = stub.Subscribe(
            pb.SubscribeRequest(passenger_id=passenger_id), metadata=bearer(credential), timeout=30
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for reply in self._call:
                self.received.put(reply.notification)
        except grpc.RpcError as error:
            self.received.put(error)

    def next(self, timeout_s: float = 15.0) -> pb.Notification:
        item = self.received.get(timeout=timeout_s)
        if isinstance(item, grpc.RpcError):
            raise item
        return item

    def nothing_more(self, wait_s: float = 1.0) -> bool:
        try:
            item = self.received.get(timeout=wait_s)
        except queue.Empty:
            return True
        if isinstance(item, grpc.RpcError) and item.code() == grpc.StatusCode.CANCELLED:
            return True
        raise AssertionError(f"unexpected {item}")

    def close(self) -> None:
        self._call.cancel()
        self._thread.join(5)


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A local HTTP server: ``/ok`` answers 204, ``/flaky`` 503 twice then 200, ``/down`` always 500."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._answers: dict[str, Callable[[int], int]] = {
            "/ok": lambda n: 204,
            "/flaky": lambda n: 503 if n <= 2 else 200,
            "/down": lambda n: 500,
        }
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.hits.append(Hit(self.path, dict(self.headers.items()), body))
                    count = sum(hit.path == self.path for hit in receiver.hits)
                self.send_response(receiver._answers[self.path](count))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def on(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def notification_ids(self, path: str) -> list[str]:
        return [json.loads(hit.body)["notificationId"] for hit in self.on(path)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()

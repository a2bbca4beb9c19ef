"""End to end: a real Prometheus (1 s scrapes, deploy/prometheus rules loaded) scrapes the
four rebook services, started as processes against the real Kafka; a cancellation goes
through detector → optimizer → notifier to a subscribed passenger, and the Prometheus HTTP
API then shows the notification, the disruption-to-notification p99 from the recording
rule, and every rule evaluating cleanly."""

from __future__ import annotations

import json
import math
import os
import queue
import random
import signal
import string
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from rebook.domain.convert import booking_to_proto, leg_to_proto
from rebook.domain.model import Booking, Cabin, FlightLeg, Passenger, Segment, Tier, make_leg_id
from rebook.flightops import Cancellation, FlightEvent
from rebook.flightops.convert import event_to_proto
from rebook.runtime.auth import Keyring
from rebook.runtime.grpc_client import open_channel
from rebook.tooling.launch import isolated_topics
from rebook.v1 import flight_status_service_pb2 as fss
from rebook.v1 import flight_status_service_pb2_grpc as fss_grpc
from rebook.v1 import notification_service_pb2 as nss
from rebook.v1 import notification_service_pb2_grpc as nss_grpc
from rebook.v1 import rebooking_service_pb2 as rbs
from rebook.v1 import rebooking_service_pb2_grpc as rbs_grpc
from tests.helpers.net import free_port, wait_until
from tests.ops.support import PROMETHEUS_DIR, ROOT, SERVICES, load_yaml

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

TOKEN_SECRET = "ops-e2e-auth-secret-of-at-least-32-bytes"
KEYRING = Keyring(TOKEN_SECRET.encode())
OPS_ROLES = ["flights:write", "bookings:write", "offers:read"]
OPS_TOKEN = KEYRING.client_token("ops-e2e", ["*"], OPS_ROLES, timedelta(hours=1))
REBOOK = str(Path(sys.executable).parent / "rebook")


@dataclass
class Service:
    name: str
    grpc_port: int
    metrics_port: int
    process: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    services: dict[str, Service] = field(default_factory=dict)
    prometheus_url: str = ""
    topic_prefix: str = ""
    channels: list[grpc.Channel] = field(default_factory=list)

    def channel(self, name: str) -> grpc.Channel:
        channel = open_channel(f"127.0.0.1:{self.services[name].grpc_port}", OPS_TOKEN)
        self.channels.append(channel)
        return channel

    def logs(self) -> str:
        """Logs (less kafka-python's chatter) and the key counters of every service, for failures."""
        out = []
        for service in self.services.values():
            lines = [line for line in service.tail(200).splitlines() if "kafka.net.selector" not in line][-25:]
            out.append(f"--- {service.name} (exit {service.process.poll()}):\n" + "\n".join(lines))
            try:
                out.append(_key_samples(service.metrics_port))
            except OSError as error:
                out.append(f"(no /metrics: {error})")
        return "\n".join(out)


def _stop(process: subprocess.Popen, timeout_s: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.fixture(scope="module")
def stack(kafka_bootstrap, prometheus_bin, tmp_path_factory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("ops-e2e")
    # Topics of its own: what earlier runs left on a shared broker's declared topics (demo days,
    # offers of another schema) never reaches these services or their metrics.
    prefix = f"ops-e2e-{uuid.uuid4().hex[:8]}."
    stack = Stack(topic_prefix=prefix)
    prometheus: subprocess.Popen | None = None
    env = {k: v for k, v in os.environ.items() if not k.startswith("REBOOK_")}
    env.update(isolated_topics(kafka_bootstrap, prefix))
    env.update(
        REBOOK_KAFKA_BOOTSTRAP=kafka_bootstrap,
        REBOOK_LOG_LEVEL="INFO",
        REBOOK_GRPC_HOST="127.0.0.1",
        REBOOK_SHUTDOWN_GRACE="1s",
        REBOOK_AUTH_SECRET=TOKEN_SECRET,
        REBOOK_NOTIFIER_WEBHOOK_SECRET="ops-e2e-webhook-secret-of-at-least-32-bytes",
        REBOOK_OPTIMIZER_TIME_LIMIT="5s",
    )
    try:
        for name in SERVICES:
            grpc_port, metrics_port = free_port(), free_port()
            env[f"REBOOK_{name.upper()}_GRPC_PORT"] = str(grpc_port)
            env[f"REBOOK_{name.upper()}_METRICS_PORT"] = str(metrics_port)
        for name in SERVICES:
            log = workdir / f"{name}.log"
            process = subprocess.Popen(
                [REBOOK, name],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
                start_new_session=True,
            )
            ports = int(env[f"REBOOK_{name.upper()}_GRPC_PORT"]), int(env[f"REBOOK_{name.upper()}_METRICS_PORT"])
            stack.services[name] = Service(name, *ports, process, log)

        # The local config with the test's ports, 1 s scrapes and evaluations, the real rules.
        config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
        config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
        config["rule_files"] = [str(PROMETHEUS_DIR / path) for path in config["rule_files"]]
        for job in config["scrape_configs"]:
            service = stack.services[job["job_name"].removeprefix("rebook-")]
            job["static_configs"][0]["targets"] = [f"127.0.0.1:{service.metrics_port}"]
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        web_port = free_port()
        prometheus = subprocess.Popen(
            [
                prometheus_bin,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{web_port}",
                "--storage.tsdb.retention.time=1h",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(workdir / "prometheus.log").open("w"),
            start_new_session=True,
        )
        stack.prometheus_url = f"http://127.0.0.1:{web_port}"

        def all_serving() -> bool:
            for service in stack.services.values():
                assert service.process.poll() is None, f"{service.name} exited:\n{stack.logs()}"
            return all(_serving(s.grpc_port) for s in stack.services.values())

        assert wait_until(all_serving, 90, 0.5), f"services not SERVING within 90 s:\n{stack.logs()}"
        assert wait_until(lambda: _ready(stack.prometheus_url), 30, 0.2), (workdir / "prometheus.log").read_text()
        # Prometheus applies its first target list a few seconds after start: wait until every
        # service was scraped, so the counters' zero is stored before the workload moves them.
        assert wait_until(lambda: _scalar(stack, 'count(up{job=~"rebook-.+"} == 1)') == 4, 30, 0.5), _query(stack, "up")
        assert wait_until(lambda: _query(stack, "rebook_disruption_to_notification_seconds_count"), 10, 0.2)
        yield stack
    finally:
        for channel in stack.channels:
            channel.close()
        if prometheus is not None:
            _stop(prometheus)
        for service in stack.services.values():
            _stop(service.process)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


def _api(stack: Stack, path: str, **params: str) -> dict:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{stack.prometheus_url}/api/v1/{path}{query}", timeout=5) as reply:
        body = json.load(reply)
    assert body["status"] == "success", body
    return body["data"]


def _query(stack: Stack, promql: str) -> list[tuple[dict, float]]:
    data = _api(stack, "query", query=promql)
    return [(item["metric"], float(item["value"][1])) for item in data["result"]]


def _scalar(stack: Stack, promql: str) -> float | None:
    result = _query(stack, promql)
    return result[0][1] if len(result) == 1 else None


def _eventually(probe: Callable[[], float | None], accept: Callable[[float], bool], timeout_s: float) -> float | None:
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = probe()
        if value is not None and accept(value):
            return value
        time.sleep(0.5)
    return value


def _metric(port: int, name: str, **labels: str) -> float:
    """Sum of a series straight from a service's /metrics (to know when a view has caught up)."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
        text = reply.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


KEY_SERIES = (
    "rebook_detector_disruptions_emitted_total",
    "rebook_optimizer_disruptions_consumed_total",
    "rebook_optimizer_bookings_affected_total",
    "rebook_optimizer_offers_total",
    "rebook_optimizer_batch_failures_total",
    "rebook_kafka_messages_consumed_total",
    "rebook_kafka_consumer_lag_messages",
    "rebook_notifications_created_total",
    "rebook_notifications_sent_total",
)


def _key_samples(port: int) -> str:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
        text = reply.read().decode()
    return "\n".join(
        f"  {sample.name}{sample.labels} {sample.value}"
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in KEY_SERIES and sample.value
    )


class Subscriber:
    def __init__(self, channel: grpc.Channel, passenger_id: str) -> None:
        token = KEYRING.passenger_token(passenger_id, timedelta(minutes=10))
        self.received: queue.Queue = queue.Queue()
        self._call = nss_grpc.NotificationServiceStub(channel).Subscribe(
            nss.SubscribeRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=120
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for reply in self._call:
                self.received.put(reply.notification)
        except grpc.RpcError as error:
            self.received.put(error)

    def next(self, timeout_s: float) -> nss.Notification:
        item = self.received.get(timeout=timeout_s)
        if isinstance(item, grpc.RpcError):
            raise item
        return item

    def close(self) -> None:
        self._call.cancel()


def _network(carrier: str) -> tuple[FlightLeg, list[FlightLeg]]:
    """A leg to cancel and two later ones with free seats, departing in a few hours."""
    start = (datetime.now(UTC) + timedelta(hours=4)).replace(second=0, microsecond=0)
    base = random.randint(100, 9000)

    def leg(offset: int, hours: int, sold: int) -> FlightLeg:
        dep = start + timedelta(hours=hours)
        number = str(base + offset)
        return FlightLeg(
            make_leg_id(carrier, number, dep.date(), "FRA"),
            carrier,
            number,
            dep.date(),
            "FRA",
            "JFK",
            dep,
            dep + timedelta(hours=8),
            {Cabin.ECONOMY: 20},
            {Cabin.ECONOMY: sold},
        )

    return leg(0, 0, 5), [leg(1, 2, 10), leg(2, 4, 15)]


def test_prometheus_sees_a_cancellation_through_to_the_passenger(stack: Stack) -> None:
    carrier = "Q" + "".join(random.choices(string.ascii_uppercase, k=2))
    cancelled, later = _network(carrier)
    passenger = f"pax-{uuid.uuid4().hex[:10]}"
    locator = "".join(random.choices(string.ascii_uppercase, k=6))
    optimizer_metrics = stack.services["optimizer"].metrics_port
    consumed = "rebook_kafka_messages_consumed_total"
    flights, bookings = stack.topic_prefix + "rebook.flights.v1", stack.topic_prefix + "rebook.bookings.v1"
    flights_before = _metric(optimizer_metrics, consumed, topic=flights)
    bookings_before = _metric(optimizer_metrics, consumed, topic=bookings)

    detector = fss_grpc.FlightStatusServiceStub(stack.channel("detector"))
    schedule = fss.LoadScheduleRequest(legs=[leg_to_proto(g) for g in (cancelled, *later)])
    assert detector.LoadSchedule(schedule, timeout=20) is not None
    booking = Booking(
        locator, (Passenger(passenger, Tier.BASIC),), (Segment(cancelled.leg_id, Cabin.ECONOMY),), carrier=carrier
    )
    optimizer = rbs_grpc.RebookingServiceStub(stack.channel("optimizer"))
    upserted = optimizer.UpsertBookings(rbs.UpsertBookingsRequest(bookings=[booking_to_proto(booking)]), timeout=20)
    assert upserted.upserted_count == 1
    assert wait_until(
        lambda: (
            _metric(optimizer_metrics, consumed, topic=flights) >= flights_before + 3
            and _metric(optimizer_metrics, consumed, topic=bookings) >= bookings_before + 1
        ),
        30,
        0.2,
    ), f"the optimizer's views did not see the schedule and booking:\n{stack.logs()}"

    # The stream stays open until Prometheus saw the delivery: the notifier counts a stream
    # notification delivered once it was written, which a cancelled stream may cut short.
    subscriber = Subscriber(stack.channel("notifier"), passenger)
    try:
        _cancel_and_check(stack, detector, subscriber, cancelled, locator)
    finally:
        subscriber.close()


def _cancel_and_check(stack, detector, subscriber, cancelled, locator) -> None:
    event = FlightEvent(f"ops-e2e-{uuid.uuid4().hex}", cancelled.leg_id, datetime.now(UTC), Cancellation("WX"))
    detector.ReportFlightEvent(fss.ReportFlightEventRequest(event=event_to_proto(event)), timeout=20)
    try:
        notification = subscriber.next(60)
    except queue.Empty:
        pytest.fail(f"no notification within 60 s of the cancellation:\n{stack.logs()}")
    assert notification.offer.record_locator == locator

    # Every target up, from the real scrape configuration.
    up = _eventually(lambda: _scalar(stack, 'sum(up{job=~"rebook-.+"})'), lambda v: v == 4, 15)
    assert up == 4, _query(stack, "up")
    # The workload's traces in Prometheus.
    delivered = _eventually(
        lambda: _scalar(stack, 'sum(rebook_notifications_sent_total{outcome="delivered"})'), lambda v: v >= 1, 20
    )
    assert delivered is not None and delivered >= 1
    for promql in (
        "sum(rebook_detector_disruptions_emitted_total)",
        'sum(rebook_optimizer_offers_total{status=~"open|unaccommodated"})',
        "sum(rebook_optimizer_passengers_affected_total)",
        "sum(rebook_notifications_created_total)",
    ):
        value = _eventually(lambda q=promql: _scalar(stack, q), lambda v: v >= 1, 10)
        assert value is not None and value >= 1, f"{promql} = {value}"
    # The recording rules: p99 of disruption → notification, computed by Prometheus.
    p99 = _eventually(
        lambda: _scalar(stack, "rebook:disruption_to_notification_seconds:p99_5m"), lambda v: not math.isnan(v), 20
    )
    counts = _api(stack, "query", query='rebook_disruption_to_notification_seconds_count{channel="stream"}[5m]')
    assert p99 is not None and 0 < p99 <= 60, f"p99 = {p99}; count samples: {counts}"
    p50 = _eventually(
        lambda: _scalar(stack, "rebook:disruption_to_notification_seconds:p50_5m"), lambda v: not math.isnan(v), 10
    )
    assert p50 is not None and 0 < p50 <= p99
    # Rule groups are evaluated independently: wait for the SLO group's first result too.
    slow = _eventually(
        lambda: _scalar(stack, "rebook:disruption_to_notification:slow_ratio_rate5m"), lambda v: not math.isnan(v), 10
    )
    assert slow == 0, f"a notification slower than 60 s? slow ratio {slow}"
    assert _eventually(lambda: _scalar(stack, "count(rebook:grpc_server_handled:rate5m > 0)"), lambda v: v >= 3, 10)
    assert _query(stack, "rebook:kafka_consumer_lag_messages:max"), "no consumer lag series"
    # Every recording and alerting rule evaluated without error; the SLO alerts are quiet.
    groups = _api(stack, "rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == 41
    broken = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    assert not broken, broken
    firing = {a["labels"]["alertname"] for a in _api(stack, "alerts")["alerts"] if a["state"] == "firing"}
    assert not firing & {"RebookNotificationSLOFastBurn", "RebookServiceDown", "RebookServiceAbsent"}, firing

"""``rebook bench cancellations --service``: issue 18's service aim measured on the real thing —
the optimizer *process* (``rebook optimizer``, its ``REBOOK_OPTIMIZER_*`` defaults) holding an
airline's views from Kafka, hit by a cancellation of ``--flights`` flights: RSS ≤ 2 GB, all
offers on the topic ≤ 30 s.

1. Topics of its own on the broker (``--bootstrap``, default the shared local one): every
   declared topic under a unique ``benchXXXXXXXX.`` prefix (``launch.Namespace``), deleted at
   the end with the optimizer's consumer group.
2. The scenario folder is read as ``rebook solve`` reads it and every instant in it moved by
   one fixed offset (``scenario_map.time_shift``; operating dates and leg ids follow), so that
   the storm's announcement lies ``--lead`` ahead of the wall clock when publishing starts:
   the service plans with the real clock, and the schedule keeps its shape around it.
3. Legs go to the flights topic keyed by leg id and bookings to the bookings topic keyed by
   record locator, as the detector and the PSS publish them (``publish_s``).  Then the
   optimizer process starts; its views hold everything when its view loop has consumed as
   many records as were published (``rebook_kafka_messages_consumed_total`` on its
   ``/metrics``: nothing else is on these topics) and its disruptions consumer has joined its
   group (``views_s``, from the process's start).
4. At the shifted announcement (at once if restoring took longer than ``--lead``: ``late_s``
   says by how much) the batch ``cancellations.cancellations`` builds — the in-process bench's
   own — is published to the disruptions topic in one go: one producer batch, so one poll of
   the service brings it whole (``service_batches`` counts the plans it made).

"All offers for the batch" is defined by the service's own commit: the optimizer commits a
batch's disruption offsets only after Kafka acknowledged every offer of that batch
(``DisruptionBatcher.flush``), so once its group's committed offset reaches the end of the
disruptions topic, everything it will publish for the batch is on the offers topic.  The bench
then reads the offers topic to its end: ``offers`` are the offer records there (the topic is
this run's, so all of them are the batch's), ``batch_s`` runs from just before the batch was
published to the newest offer record's timestamp (set by the optimizer's producer when it
sent it; same machine, same clock), ``done_s`` to when the bench saw the commit (the poll's
granularity on top).  ``service_offers`` is what the optimizer says it published
(``rebook_optimizer_offers_total``): the two must be equal, and a batch the service could not
solve (``rebook_optimizer_batch_failures_total``) fails the run.

RSS is the optimizer process's: ``peak_rss_mb`` its high-water mark (``VmHWM`` in
``/proc/PID/status``), ``rss_mb`` its resident size after the batch.  ``load`` is the machine's
load average at the start and the end: the numbers depend on what else runs.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient

from rebook.domain.convert import booking_to_proto, disruption_to_proto, leg_from_proto, leg_to_proto
from rebook.domain.errors import ValidationError
from rebook.domain.model import Disruption, FlightLeg
from rebook.runtime.kafka import TYPE_HEADER, EventProducer, read_to_end
from rebook.runtime.metrics import new_registry
from rebook.runtime.topics import BOOKINGS, DISRUPTIONS, FLIGHTS, OFFERS
from rebook.tooling.bench.cancellations import cancellations, status_mb
from rebook.tooling.demo.broker import committed_lag, joined
from rebook.tooling.demo.live import scrape
from rebook.tooling.launch import LocalCluster, Namespace, ServiceProcess
from rebook.tooling.sim.scenario import read_items, require_folder, stream_bookings, stream_legs
from rebook.tooling.sim.scenario_map import MessageMapper, time_shift
from rebook.v1 import offer_pb2

CONSUMED = "rebook_kafka_messages_consumed_total"
_POLL_S = 0.2


def _wait(what: str, done: Callable[[], bool], timeout_s: float, every_s: float = _POLL_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout_s:.0f}s")
        time.sleep(every_s)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def publish_scenario(folder: Path, bootstrap: str, ns: Namespace, delta: timedelta) -> tuple[list[FlightLeg], int]:
    """Every leg and booking of ``folder`` moved by ``delta``, published as the detector and the
    PSS would; returns the moved legs (as the optimizer reads them back) and the bookings count.
    A bad line stops it (``ValidationError``), as ``rebook solve`` stops."""
    require_folder(folder)
    read = read_items("flights", stream_legs(folder))
    if read.rejected:
        raise read.rejected[0].error
    mapper = MessageMapper(time_shift(delta))
    producer = EventProducer(bootstrap, new_registry(), linger_ms=20, batch_size=1 << 19)
    legs, bookings = [], 0
    try:
        for leg in read.items:
            message = mapper.leg(leg_to_proto(leg))
            producer.publish(ns[FLIGHTS], message.leg_id, message)
            legs.append(leg_from_proto(message))
        del read
        for item in stream_bookings(folder):
            if isinstance(item, ValidationError):
                raise item
            booking = mapper.booking(booking_to_proto(item))
            producer.publish(ns[BOOKINGS], booking.record_locator, booking)
            bookings += 1
        producer.flush(timeout_s=600)
    finally:
        producer.close()
    return legs, bookings


def _views_hold(url: str, records: int) -> Callable[[], bool]:
    return lambda: scrape(url).get(CONSUMED, 0.0) >= records


def _publish_batch(bootstrap: str, ns: Namespace, batch: list[Disruption]) -> float:
    """The cancellations in one producer batch (one poll brings them whole); when sent."""
    producer = EventProducer(bootstrap, new_registry(), linger_ms=1000, batch_size=1 << 20)
    try:
        sent_at = time.time()
        for disruption in batch:
            producer.publish(ns[DISRUPTIONS], disruption.carrier, disruption_to_proto(disruption))
        producer.flush()
    finally:
        producer.close()
    return sent_at


def _wait_committed(bootstrap: str, group: str, topic: str, timeout_s: float) -> None:
    """Until ``group`` has committed to the end of ``topic``: every offer of its batch is sent."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        committed = lambda: committed_lag(admin, consumer, group, topic) == 0  # noqa: E731
        _wait("the optimizer committing the batch", committed, timeout_s)
    finally:
        with suppress(Exception):
            consumer.close(autocommit=False)
        with suppress(Exception):
            admin.close()


def _offers_on_topic(bootstrap: str, ns: Namespace, timeout_s: float) -> tuple[int, int, int]:
    """Offer records on the offers topic, the newest one's timestamp (ms), distinct bookings."""
    offers, last_ms, booked = 0, 0, set()
    for record in read_to_end(bootstrap, [ns[OFFERS]], timeout_s=timeout_s):
        if record.value and record.headers.get(TYPE_HEADER) == offer_pb2.Offer.DESCRIPTOR.full_name:
            offers += 1
            last_ms = max(last_ms, record.timestamp_ms)
            booked.add(record.key)
    return offers, last_ms, len(booked)


def _service_counts(metrics: dict[str, float]) -> dict[str, float | int]:
    """What the optimizer's own metrics say it did."""
    return {
        "service_offers": int(metrics.get("rebook_optimizer_offers_total", 0.0)),
        "service_bookings_affected": int(metrics.get("rebook_optimizer_bookings_affected_total", 0.0)),
        "service_passengers_affected": int(metrics.get("rebook_optimizer_passengers_affected_total", 0.0)),
        "service_batches": int(metrics.get("rebook_optimizer_solve_seconds_count", 0.0)),
        "service_solve_s": round(metrics.get("rebook_optimizer_solve_seconds_sum", 0.0), 3),
        "deadline_hits": int(metrics.get("rebook_optimizer_solver_deadline_hits_total", 0.0)),
        "dead_letters": int(metrics.get("rebook_kafka_dead_letters_total", 0.0)),
    }


def _batch(legs: list[FlightLeg], hub: str, at: datetime, delta: timedelta, flights: int) -> list[Disruption]:
    """The batch at the shifted time ``at + delta`` (``at``: as the user gave it)."""
    batch = cancellations(legs, hub, at + delta, flights)
    if not batch:
        raise ValueError(f"no departure from {hub} an hour after {at.isoformat()} to cancel")
    return batch


def _sleep_until(moment: datetime) -> float:
    """Sleeps until ``moment``; how late it already was (0 if not)."""
    ahead = (moment - datetime.now(UTC)).total_seconds()
    if ahead > 0:
        time.sleep(ahead)
    return max(0.0, -ahead)


def _service_metrics(optimizer: ServiceProcess) -> dict[str, float]:
    metrics = scrape(optimizer.metrics_url)
    if metrics.get("rebook_optimizer_batch_failures_total", 0.0):
        raise RuntimeError(f"the optimizer failed the batch (log: {optimizer.log_path})")
    return metrics


def _start_optimizer(
    stack: ExitStack, bootstrap: str, ns: Namespace, records: int, timeout_s: float
) -> tuple[ServiceProcess, float, float]:
    """The optimizer process on ``ns`` (stopped when ``stack`` closes), once its views hold the
    ``records`` published and its disruptions consumer has joined; seconds to start, to hold."""
    run_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rebook-bench-")))
    cluster = LocalCluster(bootstrap, run_dir, env=ns.env(), only=("optimizer",))
    started = time.perf_counter()
    cluster.start(timeout_s=timeout_s)
    stack.callback(cluster.stop)
    optimizer = cluster.services["optimizer"]
    start_s = time.perf_counter() - started
    group = ns.group("optimizer")
    _wait("the optimizer's views", _views_hold(optimizer.metrics_url, records), timeout_s, 1.0)
    _wait("the optimizer's disruptions consumer joining its group", lambda: joined(bootstrap, [group])[group], 60)
    return optimizer, start_s, time.perf_counter() - started


def run_service_benchmark(
    folder: Path,
    flights: int,
    hub: str,
    at: datetime,
    bootstrap: str,
    lead: timedelta,
    timeout_s: float,
) -> dict:
    """The measurement (module docstring); ``at``: the scenario's own cancellation time.
    ``TimeoutError`` when a wait runs out, ``RuntimeError`` when the service failed the batch."""
    load_before = _load()
    delta = timedelta(seconds=round((datetime.now(UTC) + lead - at).total_seconds()))
    ns = Namespace.create(bootstrap, label="bench")
    with ExitStack() as stack:
        stack.callback(ns.delete, bootstrap)
        started = time.perf_counter()
        legs, bookings = publish_scenario(folder, bootstrap, ns, delta)
        publish_s = time.perf_counter() - started
        announce = at + delta
        batch = _batch(legs, hub, at, delta, flights)

        optimizer, start_s, views_s = _start_optimizer(stack, bootstrap, ns, len(legs) + bookings, timeout_s)
        assert optimizer.process is not None
        pid, group = optimizer.process.pid, ns.group("optimizer")
        views_rss = status_mb("VmRSS", pid)

        late_s = _sleep_until(announce)
        sent_at = _publish_batch(bootstrap, ns, batch)
        _wait_committed(bootstrap, group, ns[DISRUPTIONS].name, timeout_s)
        done_s = time.time() - sent_at
        peak_rss, rss, metrics = status_mb("VmHWM", pid), status_mb("VmRSS", pid), _service_metrics(optimizer)
        offers, last_ms, booked = _offers_on_topic(bootstrap, ns, timeout_s)
        result = {
            "scenario": str(folder),
            "mode": "service",
            "bootstrap": bootstrap,
            "topic_prefix": ns.prefix,
            "legs": len(legs),
            "bookings": bookings,
            "shift_s": delta.total_seconds(),
            "publish_s": round(publish_s, 3),
            "start_s": round(start_s, 3),
            "views_s": round(views_s, 3),
            "views_rss_mb": round(views_rss, 1),
            "cancelled": len(batch),
            "hub": hub,
            "at": announce.isoformat(),
            "late_s": round(late_s, 3),
            "batch_s": round(last_ms / 1000 - sent_at, 3) if offers else None,
            "done_s": round(done_s, 3),
            "offers": offers,
            "offered_bookings": booked,
            **_service_counts(metrics),
            "rss_mb": round(rss, 1),
            "peak_rss_mb": round(peak_rss, 1),
            "load": [load_before, _load()],
            "cores": os.cpu_count(),
        }
    return result

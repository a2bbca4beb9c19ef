"""``rebook demo`` (what ``make demo`` runs): a whole airline's storm day, end to end.

1. Kafka: the broker at ``REBOOK_KAFKA_BOOTSTRAP`` if set; else the local one at the default
   address if it already runs; else a fresh local Apache Kafka (KRaft) that is stopped again.
2. The four services as separate processes (``LocalCluster``; logs under ``.run/demo/``), the
   run's own signing key (``REBOOK_AUTH_SECRET``): the replay writes as a client of the
   carrier, devices hold passenger tokens, the app backend a ``notifications:subscribe`` client.
   One booking and its passenger's token are printed, to follow with ``rebook passenger``.
3. A generated scenario (``--size medium``: ≈600 legs/day, ≈60,000 passengers), replayed
   through the gRPC APIs by ``Replayer`` — as fast as possible unless ``--speed`` — with some
   passenger devices and one app-backend stream subscribed, so every notification is seen.
4. A live panel (progress bars on a TTY, log lines otherwise) until offers and notifications
   stop arriving (quiescence: the optimizer's and notifier's consumer groups have committed
   everything, and no notification came for a few seconds).
5. A summary built from the services' outputs only: offers read back from the offers topic
   (latest version per offer, this run's carrier, record locators and time), disruptions from
   the disruptions topic, notifications as the replay's streams received them, solver series
   from the optimizer's ``/metrics``.  ``rebook solve`` (optimal and greedy) on the same
   folder is the comparison line.  ``--json PATH`` writes it as JSON.

Time: the scenario is shifted so the storm's first disruptive event is "now" (not the last
event, as ``--shift auto`` does at max speed: that would put two hours of the storm's flights in
the past), so later flights are still ahead and the optimizer sees the day as ``rebook solve``
does.  Identity: a broker that was not started fresh may hold earlier runs of the same
scenario (same legs, bookings and event ids — the detector and optimizer would rightly treat
a rerun as a replay and do nothing), so such a run uses its own two-letter carrier code (leg
ids and tails follow), a fresh suffix on event ids and newer booking versions.

Everything it started is stopped on exit, on error, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from rebook.optimizer.core.solvers import BASELINE_SOLVER, DEFAULT_SOLVER
from rebook.runtime.auth import Keyring
from rebook.runtime.topics import DISRUPTIONS, OFFERS
from rebook.tooling.args import devices, non_negative_int, positive_float
from rebook.tooling.demo_view import LiveState, LiveView, render_summary
from rebook.tooling.stats import quantile, weighted_quantile

CARRIER = "RB"  # the generator's airline
PASSENGER_CARRIER_FREE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
QUIET_S = 3.0  # no notification for this long (and nothing left to consume) = quiescent
GONE = ("OFFER_STATUS_SUPERSEDED", "OFFER_STATUS_WITHDRAWN")
WITH_SEATS = ("OFFER_STATUS_OPEN", "OFFER_STATUS_PROTECTED", "OFFER_STATUS_ACCEPTED")


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM: stop, clean up, exit 130."""


# ---- scenario preparation ---------------------------------------------------------------


def namespace_scenario(scenario, carrier: str, tag: str, booking_version: int, fresh_ids: bool = False):
    """A copy for one run and the record-locator map (this run's → the folder's).

    Event ids get ``tag`` appended and booking versions are raised to ``booking_version``
    (so a rerun is news to the detector and the optimizer).  With another ``carrier`` the leg
    ids and tails follow.  ``fresh_ids`` also gives every booking a new record locator and every
    passenger a suffixed id, so nothing an earlier run left on the broker (offers per record
    locator, proximity per passenger) touches this run.
    """
    from rebook.tooling.sim.generator.bookings import LOCATOR_ALPHABET
    from rebook.tooling.sim.scenario_map import ScenarioMap, map_scenario

    rng = random.SystemRandom()
    locators: dict[str, str] = {}

    def leg(moved) -> None:
        if moved.carrier != carrier:
            if moved.carrier and moved.tail_number.endswith(moved.carrier):
                moved.tail_number = moved.tail_number[: -len(moved.carrier)] + carrier
            moved.carrier = carrier

    def booking(moved) -> None:
        folder_locator = moved.record_locator
        moved.carrier = carrier if moved.carrier in (CARRIER, "") else moved.carrier
        moved.version = max(moved.version, booking_version)
        if fresh_ids:
            while moved.record_locator in locators or moved.record_locator == folder_locator:
                # Eight characters (the longest a locator may be): a broker that kept many earlier
                # runs holds hundreds of thousands of six-character ones, and taking over one of
                # another run's carrier is refused.
                moved.record_locator = "".join(rng.choice(LOCATOR_ALPHABET) for _ in range(8))
            for passenger in moved.passengers:
                passenger.passenger_id = f"{passenger.passenger_id}.{tag}"
        locators[moved.record_locator] = folder_locator

    def event(moved) -> None:
        moved.event_id = f"{moved.event_id}~{tag}"

    def ping(moved) -> None:
        moved.passenger_id = f"{moved.passenger_id}.{tag}"

    mapping = ScenarioMap(leg=leg, booking=booking, event=event, ping=ping if fresh_ids else None)
    return map_scenario(scenario, mapping), locators


def storm_start(scenario) -> datetime | None:
    """Event time of the first event that is more than an actual movement (the storm's start)."""
    from rebook.domain.convert import timestamp_field

    times = [
        timestamp_field(e, "event_time") for e in scenario.events if e.WhichOneof("change") not in (None, "actuals")
    ]
    times = [t for t in times if t is not None]
    return min(times) if times else None


# ---- reading the services' outputs ------------------------------------------------------


def scrape(url: str, timeout_s: float = 2.0) -> dict[str, float]:
    """Prometheus text → {sample name: value summed over labels}; {} when unreachable."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            text = reply.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not math.isnan(sample.value):
                out[sample.name] = out.get(sample.name, 0.0) + sample.value
    return out


def read_since(bootstrap: str, topic: str, since_ms: int, timeout_s: float = 120.0) -> list[bytes]:
    """Values of ``topic`` written at or after ``since_ms`` (record timestamp), up to its
    current end, without a consumer group."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assignment = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assignment:
            return []
        consumer.assign(assignment)
        end = consumer.end_offsets(assignment)
        starts = consumer.offsets_for_times({tp: since_ms for tp in assignment})
        remaining: dict[Any, int] = {}
        for tp in assignment:
            found = starts.get(tp)
            if found is not None and found.offset < end[tp]:
                consumer.seek(tp, found.offset)
                remaining[tp] = end[tp]
            else:
                consumer.seek(tp, end[tp])
        values: list[bytes] = []
        deadline = time.monotonic() + timeout_s
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} to its end took over {timeout_s}s")
            for tp, records in consumer.poll(timeout_ms=300, max_records=5000).items():
                for record in records:
                    if tp in remaining and record.offset < remaining[tp] and record.value is not None:
                        values.append(record.value)
                if tp in remaining and consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]
        return values
    finally:
        consumer.close(autocommit=False)


class Quiescence:
    """Nothing left to do: the optimizer's group has committed every disruption, the
    notifier's group every offer, and no notification arrived for ``QUIET_S``."""

    def __init__(self, bootstrap: str, group_prefix: str) -> None:
        from kafka import KafkaConsumer
        from kafka.admin import KafkaAdminClient

        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
        self.pairs = {"optimizer": (f"{group_prefix}.optimizer", DISRUPTIONS.name),
                      "notifier": (f"{group_prefix}.notifier", OFFERS.name)}  # fmt: skip
        self.lag: dict[str, int | None] = {"optimizer": None, "notifier": None}
        self._settled = 0

    def _lag(self, group: str, topic: str) -> int | None:
        from kafka import TopicPartition

        try:
            parts = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
            end = self.consumer.end_offsets(parts)
            committed = _committed(self.admin, group, parts)
        except Exception:  # a transient broker hiccup: not settled yet
            return None
        lag = 0
        for tp in parts:
            done = committed.get(tp)
            offset = done.offset if done is not None and done.offset >= 0 else 0
            lag += max(0, end.get(tp, 0) - offset)
        return lag

    def check(self, idle_s: float) -> bool:
        for name, (group, topic) in self.pairs.items():
            self.lag[name] = self._lag(group, topic)
        settled = idle_s >= QUIET_S and all(v == 0 for v in self.lag.values())
        self._settled = self._settled + 1 if settled else 0
        return self._settled >= 2  # twice in a row, a second apart

    def close(self) -> None:
        with suppress(Exception):
            self.consumer.close(autocommit=False)
        with suppress(Exception):
            self.admin.close()


def _committed(admin, group: str, partitions: list) -> dict:
    """Committed offsets of ``group`` (kafka-python 2.x and 3.x admin APIs)."""
    if hasattr(admin, "list_group_offsets"):
        return admin.list_group_offsets({group: partitions}).get(group, {})
    return admin.list_consumer_group_offsets(group, partitions=partitions)


def start_groups_at_end(bootstrap: str, groups_topics: Iterable[tuple[str, str]]) -> None:
    """Commits each new group's offsets at the topic's current end, so services started with
    a fresh group prefix handle this run's messages only (not the topic's whole history)."""
    from kafka import KafkaConsumer, TopicPartition

    for group, topic in groups_topics:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        try:
            parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
            consumer.assign(parts)
            consumer.seek_to_end(*parts)
            for tp in parts:
                consumer.position(tp)
            consumer.commit()
        finally:
            consumer.close(autocommit=False)


def joined(bootstrap: str, groups: list[str]) -> dict[str, bool]:
    """Per group: does it have a member with partitions assigned (so the service consumes)?"""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        described = admin.describe_groups(groups)
    finally:
        admin.close()
    if not isinstance(described, dict):  # older kafka-python: no way to tell, assume yes
        return dict.fromkeys(groups, True)
    out = {}
    for group in groups:
        info = described.get(group) or {}
        members = info.get("members") or []
        out[group] = info.get("group_state") == "Stable" and any(
            (m.get("member_assignment") or {}).get("assigned_partitions") for m in members
        )
    return out


def delete_groups(bootstrap: str, groups: list[str]) -> None:
    from kafka.admin import KafkaAdminClient

    with suppress(Exception):
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        try:
            admin.delete_groups(groups)
        finally:
            admin.close()


def _make_replayer_class():
    from rebook.tooling.sim.replay import Replayer, ReplayStopped

    class DemoReplayer(Replayer):
        """``Replayer`` whose linger ends on quiescence instead of a fixed idle time."""

        settle: Callable[[float], bool] | None = None

        def idle_s(self) -> float:
            with self._lock:
                return time.monotonic() - self._last_notification

        def _linger(self) -> None:
            if self.settle is None:
                return super()._linger()
            self._update(phase="linger")
            with self._lock:
                self._last_notification = max(self._last_notification, time.monotonic())
            hard_stop = time.monotonic() + self.config.max_linger_s
            while time.monotonic() < hard_stop:
                if self._stop.wait(1.0):
                    raise ReplayStopped
                if self.settle(self.idle_s()):
                    return
            self._error(
                f"offers/notifications still arriving after {self.config.max_linger_s:.0f}s; summary is partial"
            )

    return DemoReplayer


# ---- the summary ------------------------------------------------------------------------




def _status(offer) -> str:
    from rebook.v1 import offer_pb2

    return offer_pb2.OfferStatus.Name(offer.status) if offer.status in offer_pb2.OfferStatus.values() else "?"


def latest_offers(offers: Iterable) -> dict[str, Any]:
    """The newest version of each offer, then the one current offer per booking."""
    newest: dict[str, Any] = {}
    for offer in offers:
        have = newest.get(offer.offer_id)
        if have is None or offer.version > have.version:
            newest[offer.offer_id] = offer
    by_booking: dict[str, Any] = {}
    for offer in newest.values():
        if _status(offer) in GONE:
            continue
        have = by_booking.get(offer.record_locator)
        if have is None or offer.create_time.ToNanoseconds() > have.create_time.ToNanoseconds():
            by_booking[offer.record_locator] = offer
    return by_booking


def offer_stats(current: dict[str, Any]) -> dict[str, Any]:
    """Who was offered what, from current offers (one per booking): shares, delays, same day."""
    from rebook.domain.convert import timestamp_field
    from rebook.tooling.sim.generator.geo import zone
    from rebook.v1 import offer_pb2

    passengers = sum(len(o.passenger_ids) for o in current.values())
    offered_b = offered_p = same_day = within_day = unaccommodated = split = 0
    no_seat: dict[str, int] = {}
    delays: list[tuple[float, int]] = []
    statuses: dict[str, int] = {}
    for offer in current.values():
        status = _status(offer)
        statuses[status] = statuses.get(status, 0) + 1
        party = len(offer.passenger_ids)
        held = [o for o in offer.options if o.held and o.kind == offer_pb2.OPTION_KIND_REBOOK]
        if status == "OFFER_STATUS_ACCEPTED" and not held:
            held = [o for o in offer.options if o.option_id == offer.chosen_option_id]
        if status not in WITH_SEATS or not held:
            unaccommodated += party
            why = offer_pb2.UnaccommodatedReason.Name(offer.unaccommodated_reason)
            why = why.removeprefix("UNACCOMMODATED_REASON_").lower()
            no_seat[why] = no_seat.get(why, 0) + party
            continue
        offered_b += 1
        offered_p += party
        split += len(held) > 1  # a large group on several flights, one held option per sub-group
        for option in held:
            n = len(option.passenger_ids) or party
            delay = option.arrival_delay.ToTimedelta()
            delays.append((delay.total_seconds() / 60, n))
            within_day += n if delay <= timedelta(hours=24) else 0
            arrival = timestamp_field(option, "arrival_time")
            destination = option.segments[-1].destination if option.segments else ""
            if arrival is not None and destination:
                tz = zone(destination)
                if arrival.astimezone(tz).date() == (arrival - delay).astimezone(tz).date():
                    same_day += n
    total_delay = sum(d * w for d, w in delays)
    return {
        "bookings": len(current),
        "passengers": passengers,
        "offered_bookings": offered_b,
        "offered_passengers": offered_p,
        "unaccommodated_passengers": unaccommodated,
        "offered_passenger_share": offered_p / passengers if passengers else None,
        "offered_booking_share": offered_b / len(current) if current else None,
        "groups_split": split,
        "same_day_share": same_day / offered_p if offered_p else None,
        "within_24h_share": within_day / offered_p if offered_p else None,
        "affected_same_day_share": same_day / passengers if passengers else None,
        "affected_within_24h_share": within_day / passengers if passengers else None,
        "unaccommodated_by_reason": dict(sorted(no_seat.items())),
        "delay_min_mean": total_delay / offered_p if offered_p else None,
        "delay_min_p50": weighted_quantile(delays, 0.5),
        "delay_min_p95": weighted_quantile(delays, 0.95),
        "delay_hours_total": total_delay / 60,
        "by_status": dict(sorted(statuses.items())),
    }


def disruption_stats(messages: Iterable, carrier: str, leg_ids: set[str]) -> dict[str, Any]:
    from rebook.v1 import disruption_pb2

    newest: dict[str, Any] = {}
    versions = 0
    for d in messages:
        if d.carrier != carrier or not leg_ids.intersection(d.leg_ids):
            continue
        versions += 1
        have = newest.get(d.disruption_id)
        if have is None or d.version > have.version:
            newest[d.disruption_id] = d
    live = [d for d in newest.values() if not d.withdrawn]
    legs: dict[str, tuple[str, bool]] = {}
    for d in live:
        kind = disruption_pb2.DisruptionKind.Name(d.kind).removeprefix("DISRUPTION_KIND_")
        for leg in d.leg_ids:
            if leg in leg_ids and (leg not in legs or kind == "CANCELLATION"):
                legs[leg] = (kind, d.predicted)
    by_kind: dict[str, int] = {}
    for kind, _ in legs.values():
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return {
        "disrupted": len(legs),
        "by_kind": dict(sorted(by_kind.items())),
        "predicted": sum(1 for _, p in legs.values() if p),
        "disruptions": len(live),
        "disruption_versions": versions,
        "withdrawn": len(newest) - len(live),
    }


def notification_stats(records: list, current: dict[str, Any], our_offers: set[str], devices: int) -> dict[str, Any]:
    """Notifications this run's streams received for this run's offers (each id once)."""
    seen: dict[str, Any] = {}
    for record in records:
        if record.offer_id in our_offers and record.notification_id not in seen:
            seen[record.notification_id] = record
    mine = list(seen.values())
    # Latency of the notifications that brought a proposal (not the superseded/withdrawn notices).
    latencies = [r.latency_s for r in mine if r.latency_s is not None and r.offer_status not in GONE]
    current_ids = {o.offer_id for o in current.values()}
    affected = {p for o in current.values() for p in o.passenger_ids}
    notified = {r.passenger_id for r in mine if r.offer_id in current_ids}
    return {
        "delivered": len(mine),
        "device": sum(1 for r in mine if r.channel == "device"),
        "backend": sum(1 for r in mine if r.channel == "backend"),
        "devices": devices,
        "passengers_notified": len(notified & affected),
        "coverage": len(notified & affected) / len(affected) if affected else None,
        "latency_s": {
            "count": len(latencies),
            "p50": _round(quantile(latencies, 0.5, None)),
            "p95": _round(quantile(latencies, 0.95, None)),
            "p99": _round(quantile(latencies, 0.99, None)),
            "max": _round(max(latencies) if latencies else None),
            "mean": _round(statistics.fmean(latencies) if latencies else None),
        },
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def solver_stats(metrics: dict[str, float]) -> dict[str, Any]:
    count = metrics.get("rebook_optimizer_solve_seconds_count", 0.0)
    total = metrics.get("rebook_optimizer_solve_seconds_sum", 0.0)
    return {
        "solves": int(count),
        "seconds_total": round(total, 3),
        "seconds_mean": round(total / count, 3) if count else None,
        "last_gap_ratio": metrics.get("rebook_optimizer_last_solve_gap_ratio"),
        "deadline_hits": int(metrics.get("rebook_optimizer_solver_deadline_hits_total", 0)),
        "candidates": int(metrics.get("rebook_optimizer_candidates_total", 0)),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else (a - b) / b


def total_cost(current: dict[str, Any], bookings: dict[str, Any]) -> float:
    """The optimizer's objective (money, the no-seat cost included) of the
    offers as published, one current offer per booking, priced with the scenario's bookings
    (``Booking`` messages by record locator)."""
    from rebook.domain.convert import booking_from_proto
    from rebook.optimizer.convert import offer_from_proto
    from rebook.optimizer.main import load_settings
    from rebook.optimizer.offers import total_cost as priced
    from rebook.runtime.config import Env

    # Keys are the folder's record locators; an online offer carries this run's own locator.
    pairs = [(offer_from_proto(offer), bookings[k]) for k, offer in current.items() if k in bookings]
    by_offer = {offer.record_locator: booking_from_proto(booking) for offer, booking in pairs}
    return priced([offer for offer, _ in pairs], by_offer, load_settings(Env()))


def compare(
    online_current: dict[str, Any], online: dict[str, Any], offline_current: dict[str, Any], offline: dict[str, Any]
) -> dict[str, Any]:
    """Online (services) against offline (``rebook solve``) on the same scenario; ``online`` and
    ``offline`` carry ``total_cost`` besides ``offer_stats``."""
    ours, theirs = set(online_current), set(offline_current)
    both = ours & theirs
    return {
        "online_total_cost": round(online["total_cost"], 1),
        "offline_total_cost": round(offline["total_cost"], 1),
        "cost_diff_ratio": _ratio(online["total_cost"], offline["total_cost"]),
        "online_bookings": len(ours),
        "offline_bookings": len(theirs),
        "both": len(both),
        "only_online": len(ours - theirs),
        "only_offline": len(theirs - ours),
        "overlap_ratio": len(both) / len(ours | theirs) if ours | theirs else None,
        "online_offered_share": online["offered_passenger_share"],
        "offline_offered_share": offline["offered_passenger_share"],
        "online_delay_min_mean": _round(online["delay_min_mean"], 1),
        "offline_delay_min_mean": _round(offline["delay_min_mean"], 1),
        "delay_diff_ratio": _ratio(online["delay_min_mean"], offline["delay_min_mean"]),
        "online_delay_hours": round(online["delay_hours_total"], 1),
        "offline_delay_hours": round(offline["delay_hours_total"], 1),
        "delay_hours_diff_ratio": _ratio(online["delay_hours_total"], offline["delay_hours_total"]),
    }


def _load_offline_offers(path: Path) -> list:
    from rebook.v1 import offer_pb2

    out = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json_format.Parse(line, offer_pb2.Offer()))
    return out


# ---- the run ----------------------------------------------------------------------------


@dataclass
class Demo:
    args: argparse.Namespace
    out: Any = field(default_factory=lambda: sys.stdout)
    stack: ExitStack = field(default_factory=ExitStack)
    children: list[subprocess.Popen] = field(default_factory=list)
    started_wall: float = field(default_factory=time.time)

    def log(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- infrastructure --

    def kafka(self) -> tuple[str, bool]:
        """(bootstrap, fresh): fresh when this run started the broker on empty storage."""
        from rebook.runtime.kafka import broker_listening
        from rebook.runtime.kafka_admin import ensure_topics, wait_for_broker
        from rebook.tooling.local_kafka import LocalKafka

        given = os.environ.get("REBOOK_KAFKA_BOOTSTRAP")
        if given:
            self.log(f"kafka: using {given} (REBOOK_KAFKA_BOOTSTRAP)")
            wait_for_broker(given, 30)
            ensure_topics(given)
            return given, False
        local = LocalKafka.from_env()
        if broker_listening(local.bootstrap):
            wait_for_broker(local.bootstrap, 30)
            self.log(f"kafka: using the broker already running at {local.bootstrap} (left running)")
            ensure_topics(local.bootstrap)
            return local.bootstrap, False
        self.stack.callback(self._kafka_down, local)
        self.log(
            f"kafka: starting Apache Kafka (KRaft) at {local.bootstrap}, data under {local.run_dir}; "
            f"waiting up to {local.start_timeout_s:.0f}s (REBOOK_KAFKA_START_TIMEOUT) ..."
        )
        if not local.jars_resolved:
            self.log("kafka: fetching the broker's jars from Maven Central (first run only) ...")
        started = time.monotonic()

        def still_starting(waited_s: float, allowed_s: float) -> None:
            last = local.log_tail(1).strip()[-100:]
            self.log(f"kafka: still starting ({waited_s:.0f}s of {allowed_s:.0f}s); broker log: {last}")

        local.up(progress=still_starting)
        self.log(f"kafka: up in {time.monotonic() - started:.0f}s")
        return local.bootstrap, True

    def _kafka_down(self, local) -> None:
        if local.running_pid() is not None:
            self.log("kafka: stopping the broker this demo started")
            local.down()

    def _run_offline(self, folder: Path, solver: str, out: Path) -> subprocess.Popen:
        """``rebook solve`` (= ``solve_scenario``) in a child process: its solver banner stays
        out of the terminal and Ctrl-C can stop it."""
        log = (self.run_dir / f"solve-{solver}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "rebook.cli", "solve", str(folder), "--solver", solver, "--out", str(out)],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()
        self.children.append(process)
        return process

    def _stop_children(self) -> None:
        for process in self.children:
            if process.poll() is None:
                process.kill()
                process.wait()

    # -- main flow --

    def run(self) -> int:
        self.log(
            f"rebook demo: the {self.args.size} storm day end to end: Kafka, the four services, the replay "
            "through their gRPC APIs, then a summary (Ctrl-C stops everything it started)"
        )
        from rebook.tooling.launch import LocalCluster
        from rebook.tooling.sim.replay import ReplayConfig
        from rebook.tooling.sim.scenario import Scenario
        from rebook.tooling.sim.scenario_cli import write_generated
        from rebook.v1 import disruption_pb2, offer_pb2

        args = self.args
        self.run_dir = Path(args.run_dir).resolve()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for old in self.run_dir.glob("*.log"):
            old.unlink()
        self.stack.callback(self._stop_children)

        # 1. Kafka, and a scenario meanwhile nothing else is running
        bootstrap, fresh = self.kafka()
        folder = self.run_dir / f"scenario-{args.size}-seed{args.seed}"
        self.log(f"scenario: generating the {args.size} storm day (seed {args.seed}) into {folder} ...")
        manifest = write_generated(folder, args.seed, args.size)
        counts = manifest["counts"]
        self.log(
            f"scenario: {counts['legs']:,} legs ({counts['legs_storm_day']:,} on the storm day), "
            f"{counts['bookings']:,} bookings, {counts['passengers']:,} passengers, "
            f"{counts['events']:,} flight events, "
            f"{counts['pings']:,} location pings; storm at {manifest['storm']['hub']} "
            f"{manifest['storm']['start_time']}..{manifest['storm']['end_time']}"
        )
        carrier = args.carrier.upper() if args.carrier != "auto" else (CARRIER if fresh else _fresh_carrier())
        if carrier != CARRIER:
            self.log(
                f"scenario: the broker may hold earlier runs, so this run flies as carrier {carrier} "
                "(leg ids, tails, event ids and booking versions are this run's own)"
            )
        tag = secrets.token_hex(4)
        scenario, locator_map = namespace_scenario(
            Scenario.load(folder), carrier, tag, int(self.started_wall), fresh_ids=not fresh
        )
        first = storm_start(scenario)

        # 2. services
        secret = secrets.token_urlsafe(32)
        keyring = Keyring(secret.encode())
        ops_roles = ["flights:write", "bookings:write", "locations:write", "offers:read", "simulate"]
        ops = keyring.client_token("demo-ops", [carrier], ops_roles, timedelta(hours=12))
        backend = keyring.client_token("demo-app-backend", [carrier], ["notifications:subscribe"], timedelta(hours=12))
        group_prefix = os.environ.get("REBOOK_CONSUMER_GROUP_PREFIX", "rebook")
        if not fresh:
            # Other clusters may share the broker and the default groups: this run gets its own,
            # starting at the topics' current ends.
            group_prefix = f"{group_prefix}-demo-{tag}"
            groups = [(f"{group_prefix}.optimizer", "rebook.disruptions.v1"),
                      (f"{group_prefix}.notifier", "rebook.offers.v1")]  # fmt: skip
            start_groups_at_end(bootstrap, groups)
            self.stack.callback(delete_groups, bootstrap, [g for g, _ in groups] + [f"{group_prefix}.optimizer.views"])
        cluster = LocalCluster(
            bootstrap,
            self.run_dir,
            env={
                "REBOOK_AUTH_SECRET": secret,
                "REBOOK_NOTIFIER_WEBHOOK_SECRET": secrets.token_urlsafe(32),
                "REBOOK_CONSUMER_GROUP_PREFIX": group_prefix,
                # The storm day is replayed compressed: its later events are reported ahead of
                # the clock, which a live detector refuses past 10 minutes.
                "REBOOK_DETECTOR_MAX_FUTURE_SKEW": "3d",
            },
            fixed_ports=not args.free_ports,
        )
        self.stack.callback(self._stop_cluster, cluster)
        self.log(f"services: starting detector, locator, optimizer, notifier (logs in {self.run_dir}) ...")
        started = time.monotonic()
        cluster.start(timeout_s=120)
        self.cluster = cluster
        endpoints = {name: s.metrics_url for name, s in cluster.services.items()}
        self.log(f"services: SERVING in {time.monotonic() - started:.0f}s; metrics at " +
                 ", ".join(f"{n} {u}" for n, u in endpoints.items()))  # fmt: skip

        self._wait_consumers(cluster, bootstrap, group_prefix)

        # 3. replay with a live panel
        now = datetime.now(UTC)
        shift = timedelta(minutes=round((now - first) / timedelta(minutes=1))) if first else timedelta(0)
        config = ReplayConfig(
            detector=cluster.address("detector"),
            optimizer=cluster.address("optimizer"),
            locator=cluster.address("locator"),
            notifier=cluster.address("notifier"),
            speed=args.speed,
            shift=shift,
            start=first,
            devices=args.devices,
            app_backend=backend,
            client_token=ops,
            keyring=keyring,
            max_linger_s=args.max_settle,
            event_batch=args.event_batch,
            rpc_timeout_s=60.0,
        )
        replayer = _make_replayer_class()(scenario, config)
        self._show_one_passenger(replayer, keyring, cluster)
        quiet = Quiescence(bootstrap, group_prefix)
        self.stack.callback(quiet.close)
        replayer.settle = quiet.check
        since_ms = int(time.time() * 1000) - 1000
        locators = {b.record_locator for b in replayer.scenario.bookings}
        read: dict[str, Any] = {}

        def read_back(state: LiveState) -> None:
            """4. what the services did, from the offers topic: the last panel shows these numbers too."""
            offers = [offer_pb2.Offer.FromString(v) for v in read_since(bootstrap, OFFERS.name, since_ms)]
            offers = [
                o for o in offers
                if o.carrier == carrier and o.record_locator in locators and o.create_time.ToMilliseconds() >= since_ms
            ]  # fmt: skip
            current = latest_offers(offers)
            online = offer_stats(current)
            notes = notification_stats(
                replayer.notifications, current, {o.offer_id for o in offers}, len(replayer.device_passengers())
            )
            read.update(offers=offers, current=current, online=online, notes=notes)
            state.bookings_affected, state.passengers_affected = online["bookings"], online["passengers"]
            state.offers, state.notifications_received = len(offers), notes["delivered"]

        report = self._replay_live(replayer, quiet, endpoints, carrier, read_back)
        final = {name: scrape(url) for name, url in endpoints.items()}
        leg_ids = {leg.leg_id for leg in replayer.scenario.flights}
        offers, current, online, notes = read["offers"], read["current"], read["online"], read["notes"]
        disruptions = [
            disruption_pb2.Disruption.FromString(v) for v in read_since(bootstrap, DISRUPTIONS.name, since_ms)
        ]
        outputs = self._write_outputs(current, replayer.notifications)

        # 5. the offline comparison on the same folder
        as_in_folder = {locator_map.get(k, k): v for k, v in current.items()}
        offline = None if args.no_offline else self._offline(folder, as_in_folder, online)

        summary = {
            "scenario": {"size": args.size, "seed": args.seed, "folder": str(folder), **counts},
            "carrier": carrier,
            "shift_s": report["shift_s"],
            "speed": report["speed"],
            "legs": disruption_stats(disruptions, carrier, leg_ids),
            "affected": {
                "bookings": online["bookings"],
                "passengers": online["passengers"],
                "unaccommodated_passengers": online["unaccommodated_passengers"],
                "unaccommodated_by_reason": online["unaccommodated_by_reason"],
                "offers_by_status": online["by_status"],
                "offer_versions_read": len(offers),
            },
            "offered": {
                "bookings": online["offered_bookings"],
                "passengers": online["offered_passengers"],
                "passenger_share": online["offered_passenger_share"],
                "booking_share": online["offered_booking_share"],
                "groups_split": online["groups_split"],
                "same_day_share": online["same_day_share"],
                "within_24h_share": online["within_24h_share"],
                "delay_min_mean": _round(online["delay_min_mean"], 1),
                "delay_min_p50": online["delay_min_p50"],
                "delay_min_p95": online["delay_min_p95"],
                "delay_hours_total": round(online["delay_hours_total"], 1),
            },
            "notifications": notes,
            "solver": solver_stats(final.get("optimizer", {})),
            "offline": offline,
            "replay": {k: report[k] for k in ("wall_s", "legs", "bookings", "events", "pings", "devices_subscribed")}
            | {"errors": report["errors"][:20]},
            "metrics_endpoints": endpoints,
            "outputs": outputs,
            "logs": str(self.run_dir),
            "processes": {name: s.process.pid for name, s in cluster.services.items() if s.process},
        }

        # 6. report, then stop (with --keep only on Ctrl-C, so /metrics can be read)
        summary["wall_s"] = round(time.time() - self.started_wall, 1)
        self.log("")
        self.log(render_summary(summary))
        self.log(f"online offers in {outputs['offers']}, notifications in {outputs['notifications']}")
        if args.keep:
            self.log("services left running (--keep): metrics at " + ", ".join(endpoints.values()) + "; Ctrl-C stops")
            with suppress(KeyboardInterrupt):
                threading.Event().wait()
        summary["exit_codes"] = self._stop_cluster(cluster)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
            self.log(f"summary written to {args.json}")
        ok = online["bookings"] > 0 and notes["delivered"] > 0
        return 0 if ok else 1

    def _wait_consumers(self, cluster, bootstrap: str, group_prefix: str, timeout_s: float = 45.0) -> None:
        """Until the optimizer and the notifier have joined their consumer groups.  kafka-python
        occasionally never joins (the consumer spins finding the coordinator while the service
        rebuilds its views on a busy machine); such a service is restarted once."""
        groups = {f"{group_prefix}.optimizer": "optimizer", f"{group_prefix}.notifier": "notifier"}
        restarted: set[str] = set()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                state = joined(bootstrap, list(groups))
            except Exception:
                state = dict.fromkeys(groups, False)
            missing = [groups[g] for g, ok in state.items() if not ok]
            if not missing:
                return
            if time.monotonic() > deadline:
                again = [name for name in missing if name not in restarted]
                if not again:
                    raise RuntimeError(f"{', '.join(missing)} never joined its Kafka consumer group")
                for name in again:
                    self.log(
                        f"services: {name} has not joined its consumer group after {timeout_s:.0f}s; restarting it"
                    )
                    service = cluster.services[name]
                    service.process.terminate()
                    try:
                        service.process.wait(20)
                    except subprocess.TimeoutExpired:
                        service.process.kill()
                        service.process.wait()
                    cluster._spawn(service)
                    restarted.add(name)
                cluster.wait_serving(120)
                deadline = time.monotonic() + timeout_s
            time.sleep(0.5)

    def _stop_cluster(self, cluster) -> dict:
        if not cluster.services or all(s.process is None or s.process.poll() is not None
                                       for s in cluster.services.values()):  # fmt: skip
            return {n: (s.process.returncode if s.process else None) for n, s in cluster.services.items()}
        self.log("services: stopping (SIGTERM) ...")
        return cluster.stop()

    def _show_one_passenger(self, replayer, keyring: Keyring, cluster) -> None:
        """Prints one followed booking and its passenger's token (this run's key, 12 h)."""
        followed = set(replayer.device_passengers()[:1])
        bookings = replayer.scenario.bookings
        booking = next((b for b in bookings if followed & {p.passenger_id for p in b.passengers}), None)
        if booking is None:
            return
        token = keyring.passenger_token(next(iter(followed)), timedelta(hours=12))
        self.log(
            f"follow one passenger in another terminal:\n  rebook passenger --booking {booking.record_locator} "
            f"--notifier {cluster.address('notifier')} --optimizer {cluster.address('optimizer')} --token {token}"
        )


    def _write_outputs(self, current: dict[str, Any], notifications: list) -> dict[str, str]:
        """The online offers (latest version each) and the notifications received, kept for reading."""
        offers_path, notes_path = self.run_dir / "offers.jsonl", self.run_dir / "notifications.jsonl"
        with offers_path.open("w", encoding="utf-8") as out:
            for locator in sorted(current):
                out.write(json_format.MessageToJson(current[locator], indent=None) + "\n")
        with notes_path.open("w", encoding="utf-8") as out:
            for record in notifications:
                out.write(json.dumps(record.to_json()) + "\n")
        return {"offers": str(offers_path), "notifications": str(notes_path)}

    def _replay_live(
        self, replayer, quiet: Quiescence, endpoints: dict[str, str], carrier: str, read_back: Callable
    ) -> dict:
        args = self.args
        view = LiveView(self.out, tty=None if not args.no_tty else False)
        speed = "max speed" if replayer.config.max_speed else f"{replayer.config.speed:g}x real time"
        state = LiveState(title=f"rebook demo · {args.size} storm day · seed {args.seed} · carrier {carrier} · {speed}")
        result: dict[str, Any] = {}
        failure: list[BaseException] = []

        def work() -> None:
            try:
                result.update(replayer.run())
            except BaseException as exc:  # surfaced in the main thread
                failure.append(exc)

        thread = threading.Thread(target=work, name="replay", daemon=True)
        thread.start()
        last_scrape = 0.0
        try:
            while thread.is_alive():
                thread.join(0.25)
                progress = replayer.progress
                state.phase = progress.phase
                state.legs = (progress.legs_loaded, progress.legs_total)
                state.bookings = (progress.bookings_loaded, progress.bookings_total)
                state.events = (progress.events_sent, progress.events_total)
                state.pings = (progress.pings_sent, progress.pings_total)
                state.devices = progress.devices_subscribed
                state.notifications_received = progress.notifications_received
                if time.monotonic() - last_scrape >= 1.0:
                    last_scrape = time.monotonic()
                    self._scrape_into(state, endpoints)
                if progress.phase == "linger":
                    lag = quiet.lag
                    state.note = (
                        f"settling: optimizer lag {_lag_text(lag['optimizer'])}, notifier lag "
                        f"{_lag_text(lag['notifier'])}, last notification {replayer.idle_s():.0f}s ago"
                    )
                elif progress.errors:
                    state.note = f"last error: {progress.errors[-1][:100]}"
                view.update(state)
        except KeyboardInterrupt:
            view.message("interrupted: stopping the replay ...")
            replayer.stop()
            thread.join(15)
            raise
        self._scrape_into(state, endpoints)
        state.note = ""
        if not failure:
            state.phase = "reading the offers topic"
            view.update(state)
            read_back(state)
            state.phase = "done"
        view.finish(state)
        if failure:
            raise failure[0]
        return result

    @staticmethod
    def _scrape_into(state: LiveState, endpoints: dict[str, str]) -> None:
        detector = scrape(endpoints["detector"], 1.0)
        optimizer = scrape(endpoints["optimizer"], 1.0)
        notifier = scrape(endpoints["notifier"], 1.0)
        if detector:
            state.disruptions = int(detector.get("rebook_detector_disruptions_emitted_total", 0))
        if optimizer:
            state.bookings_affected = int(optimizer.get("rebook_optimizer_bookings_affected_total", 0))
            state.passengers_affected = int(optimizer.get("rebook_optimizer_passengers_affected_total", 0))
            state.offers = int(optimizer.get("rebook_optimizer_offers_total", 0))
        if notifier:
            state.notifications_made = int(notifier.get("rebook_notifications_created_total", 0))

    def _offline(self, folder: Path, online_current: dict[str, Any], online: dict[str, Any]) -> dict[str, Any]:
        from rebook.tooling.sim.scenario import Scenario

        self.log("offline: rebook solve (optimal and greedy) on the same folder, for comparison ...")
        outs = {solver: self.run_dir / f"offline-{solver}.jsonl" for solver in (DEFAULT_SOLVER, BASELINE_SOLVER)}
        processes = {solver: self._run_offline(folder, solver, path) for solver, path in outs.items()}
        bookings = {m.record_locator: m for m in Scenario.load(folder).bookings}  # read once, meanwhile
        results: dict[str, Any] = {}
        for solver, process in processes.items():
            stdout, _ = process.communicate(timeout=self.args.offline_timeout)
            if process.returncode != 0:
                results[solver] = {"error": f"rebook solve --solver {solver} exited {process.returncode} "
                                            f"(see {self.run_dir / f'solve-{solver}.log'})"}  # fmt: skip
                continue
            line = next((ln for ln in reversed(stdout.decode().splitlines()) if ln.startswith("{")), "{}")
            summary = json.loads(line)
            current = latest_offers(_load_offline_offers(outs[solver]))
            stats = offer_stats(current) | {"total_cost": total_cost(current, bookings)}
            results[solver] = summary | {
                "offered_passenger_share": stats["offered_passenger_share"],
                "delay_min_mean": _round(stats["delay_min_mean"], 1),
                "delay_min_p95": stats["delay_min_p95"],
                "same_day_share": stats["same_day_share"],
                "within_24h_share": stats["within_24h_share"],
                "_current": current,
                "_stats": stats,
            }
        opt, greedy = results["optimal"], results["greedy"]
        out: dict[str, Any] = {"optimal": opt, "greedy": greedy, "online_vs_offline": None, "greedy_vs_optimal": None}
        if "error" not in opt:
            online = online | {"total_cost": total_cost(online_current, bookings)}
            out["online_vs_offline"] = compare(online_current, online, opt.pop("_current"), opt.pop("_stats"))
        if "error" not in greedy:
            greedy.pop("_current", None)
            greedy.pop("_stats", None)
            if "error" not in opt:
                out["greedy_vs_optimal"] = _ratio(greedy["total_cost"], opt["total_cost"])
        return out


def _lag_text(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _fresh_carrier() -> str:
    """A two-letter code for a run on a broker that may hold earlier runs (never RB)."""
    rng = random.SystemRandom()
    while True:
        code = "".join(rng.choice(PASSENGER_CARRIER_FREE) for _ in range(2))
        if code != CARRIER:
            return code


# ---- the command ------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from rebook.tooling.sim.generator import SIZES
    from rebook.tooling.sim.replay import _speed

    parser.add_argument("--size", choices=tuple(SIZES), default="medium", help="scenario size (default medium)")
    parser.add_argument("--seed", type=non_negative_int, default=1, help="scenario seed (default 1)")
    parser.add_argument("--speed", type=_speed, default=0.0, help="times real time; max (default): as fast as possible")
    parser.add_argument("--devices", type=devices, default=200, help="individual passenger devices to subscribe")
    parser.add_argument(
        "--event-batch", type=int, default=100, help="flight events per ReportFlightEvents call (default 100)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the summary as JSON to this file")
    parser.add_argument("--run-dir", type=Path, default=Path(".run/demo"), help="logs and scenario (default .run/demo)")
    parser.add_argument("--carrier", default="auto", help="carrier code for this run (auto: RB on a fresh broker)")
    parser.add_argument("--free-ports", action="store_true", help="free ports instead of the documented defaults")
    parser.add_argument("--max-settle", type=positive_float, default=300.0, help="longest wait for quiescence, seconds")
    parser.add_argument(
        "--offline-timeout", type=positive_float, default=300.0, help="limit of each offline solve, seconds"
    )
    parser.add_argument("--no-offline", action="store_true", help="skip the offline optimal/greedy comparison")
    parser.add_argument("--no-tty", action="store_true", help="log lines instead of the redrawn panel")
    parser.add_argument(
        "--keep", action="store_true", help="leave the services running after the summary (their /metrics) until Ctrl-C"
    )


def run(args: argparse.Namespace) -> int:
    def interrupted(signum, frame) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupted) for sig in (signal.SIGINT, signal.SIGTERM)}
    demo = Demo(args)
    code = 1
    try:
        with demo.stack:
            try:
                code = demo.run()
            except KeyboardInterrupt as exc:
                demo.log(f"\nrebook demo: {exc or 'interrupted'}; stopping everything it started ...")
                code = 130
            except Exception as exc:
                demo.log(f"\nrebook demo failed: {type(exc).__name__}: {exc}")
                code = 1
            finally:
                # Clean-up must not be cut short by a second Ctrl-C.
                for sig in previous:
                    signal.signal(sig, signal.SIG_IGN)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code

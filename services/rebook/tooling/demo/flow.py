"""The demo's run, step by step: Kafka, the scenario, the four services, the replay with its
live panel, what the services published, the offline comparison, the summary."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rebook.runtime.auth import Keyring
from rebook.runtime.kafka import broker_listening
from rebook.runtime.kafka_admin import ensure_topics, wait_for_broker
from rebook.runtime.proto_json import message_json_line
from rebook.runtime.topics import DISRUPTIONS, OFFERS
from rebook.tooling.demo import summary as stats
from rebook.tooling.demo.broker import Quiescence, delete_groups, read_since, start_groups_at_end, wait_consumers
from rebook.tooling.demo.live import DemoReplayer, replay_live, scrape
from rebook.tooling.demo.offline import OfflineSolves
from rebook.tooling.demo.scenario import CARRIER, fresh_carrier, namespace_scenario, storm_start
from rebook.tooling.demo.view import LiveState, LiveView, render_summary
from rebook.tooling.launch import LocalCluster
from rebook.tooling.local_kafka import LocalKafka
from rebook.tooling.sim.replay.config import ReplayConfig
from rebook.tooling.sim.scenario import Scenario
from rebook.tooling.sim.scenario_cli import write_generated
from rebook.v1 import disruption_pb2, offer_pb2


@dataclass
class Prepared:
    """This run's scenario (its own copy) and the broker it runs against."""

    bootstrap: str
    fresh: bool  # this run started the broker on empty storage
    folder: Path
    counts: dict[str, int]
    carrier: str
    tag: str
    scenario: Scenario
    locator_map: dict[str, str]  # this run's record locator → the folder's


@dataclass
class Running:
    """The started services and the credentials the replay uses."""

    cluster: LocalCluster
    keyring: Keyring
    ops_token: str
    backend_token: str
    group_prefix: str
    endpoints: dict[str, str]  # service → its /metrics URL


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

    def _kafka_down(self, local: LocalKafka) -> None:
        if local.running_pid() is not None:
            self.log("kafka: stopping the broker this demo started")
            local.down()

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
        self.run_dir = Path(self.args.run_dir).resolve()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for old in self.run_dir.glob("*.log"):
            old.unlink()
        self.stack.callback(self._stop_children)
        prepared = self._prepare()
        running = self._start_services(prepared)
        replayer, report, read = self._replay(prepared, running)
        summary = self._summary(prepared, running, replayer, report, read)
        return self._finish(summary, running, read)

    def _prepare(self) -> Prepared:
        """1. Kafka, and a scenario meanwhile nothing else is running."""
        args = self.args
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
        carrier = args.carrier.upper() if args.carrier != "auto" else (CARRIER if fresh else fresh_carrier())
        if carrier != CARRIER:
            self.log(
                f"scenario: the broker may hold earlier runs, so this run flies as carrier {carrier} "
                "(leg ids, tails, event ids and booking versions are this run's own)"
            )
        tag = secrets.token_hex(4)
        scenario, locator_map = namespace_scenario(
            Scenario.load(folder), carrier, tag, int(self.started_wall), fresh_ids=not fresh
        )
        return Prepared(bootstrap, fresh, folder, counts, carrier, tag, scenario, locator_map)

    def _start_services(self, prepared: Prepared) -> Running:
        """2. The four services with this run's signing key (and, on a shared broker, groups)."""
        carrier, bootstrap = prepared.carrier, prepared.bootstrap
        secret = secrets.token_urlsafe(32)
        keyring = Keyring(secret.encode())
        ops_roles = ["flights:write", "bookings:write", "locations:write", "offers:read", "simulate"]
        ops = keyring.client_token("demo-ops", [carrier], ops_roles, timedelta(hours=12))
        backend = keyring.client_token("demo-app-backend", [carrier], ["notifications:subscribe"], timedelta(hours=12))
        group_prefix = self._groups(prepared)
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
            fixed_ports=not self.args.free_ports,
        )
        self.stack.callback(self._stop_cluster, cluster)
        self.log(f"services: starting detector, locator, optimizer, notifier (logs in {self.run_dir}) ...")
        started = time.monotonic()
        cluster.start(timeout_s=120)
        endpoints = {name: s.metrics_url for name, s in cluster.services.items()}
        self.log(
            f"services: SERVING in {time.monotonic() - started:.0f}s; metrics at "
            + ", ".join(f"{n} {u}" for n, u in endpoints.items())
        )
        wait_consumers(cluster, bootstrap, group_prefix, self.log)
        return Running(cluster, keyring, ops, backend, group_prefix, endpoints)

    def _groups(self, prepared: Prepared) -> str:
        """The consumer-group prefix: the usual one on a fresh broker; else this run's own,
        starting at the topics' current ends (other clusters may share the broker and groups)."""
        group_prefix = os.environ.get("REBOOK_CONSUMER_GROUP_PREFIX", "rebook")
        if prepared.fresh:
            return group_prefix
        group_prefix = f"{group_prefix}-demo-{prepared.tag}"
        groups = [(f"{group_prefix}.optimizer", DISRUPTIONS.name), (f"{group_prefix}.notifier", OFFERS.name)]
        start_groups_at_end(prepared.bootstrap, groups)
        views = f"{group_prefix}.optimizer.views"
        self.stack.callback(delete_groups, prepared.bootstrap, [g for g, _ in groups] + [views])
        return group_prefix

    def _replay(self, prepared: Prepared, running: Running) -> tuple[DemoReplayer, dict, dict[str, Any]]:
        """3. The replay with a live panel; 4. what the services did, read back from the offers topic."""
        cluster, args = running.cluster, self.args
        first = storm_start(prepared.scenario)
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
            app_backend=running.backend_token,
            client_token=running.ops_token,
            keyring=running.keyring,
            max_linger_s=args.max_settle,
            event_batch=args.event_batch,
            rpc_timeout_s=60.0,
        )
        replayer = DemoReplayer(prepared.scenario, config)
        self._show_one_passenger(replayer, running.keyring, cluster)
        quiet = Quiescence(prepared.bootstrap, running.group_prefix)
        self.stack.callback(quiet.close)
        replayer.settle = quiet.check
        since_ms = int(time.time() * 1000) - 1000
        read: dict[str, Any] = {"since_ms": since_ms}
        read_back = self._reader(prepared, replayer, since_ms, read)
        view = LiveView(self.out, tty=None if not args.no_tty else False)
        speed = "max speed" if replayer.config.max_speed else f"{replayer.config.speed:g}x real time"
        state = LiveState(
            title=f"rebook demo · {args.size} storm day · seed {args.seed} · carrier {prepared.carrier} · {speed}"
        )
        report = replay_live(replayer, quiet, running.endpoints, state, view, read_back)
        return replayer, report, read

    @staticmethod
    def _reader(prepared: Prepared, replayer: DemoReplayer, since_ms: int, read: dict[str, Any]):
        """What the services did, from the offers topic: the last panel shows these numbers too."""
        locators = {b.record_locator for b in replayer.scenario.bookings}

        def read_back(state: LiveState) -> None:
            offers = [offer_pb2.Offer.FromString(v) for v in read_since(prepared.bootstrap, OFFERS, since_ms)]
            offers = [
                o
                for o in offers
                if o.carrier == prepared.carrier
                and o.record_locator in locators
                and o.create_time.ToMilliseconds() >= since_ms
            ]
            current = stats.latest_offers(offers)
            online = stats.offer_stats(current)
            notes = stats.notification_stats(
                replayer.notifications, current, {o.offer_id for o in offers}, len(replayer.device_passengers())
            )
            read.update(offers=offers, current=current, online=online, notes=notes)
            state.bookings_affected, state.passengers_affected = online["bookings"], online["passengers"]
            state.offers, state.notifications_received = len(offers), notes["delivered"]

        return read_back

    def _summary(
        self, prepared: Prepared, running: Running, replayer: DemoReplayer, report: dict, read: dict[str, Any]
    ) -> dict[str, Any]:
        """5. The summary, with the offline comparison on the same folder."""
        args, endpoints = self.args, running.endpoints
        final = {name: scrape(url) for name, url in endpoints.items()}
        leg_ids = {leg.leg_id for leg in replayer.scenario.flights}
        offers, current, online, notes = read["offers"], read["current"], read["online"], read["notes"]
        disruptions = [
            disruption_pb2.Disruption.FromString(v)
            for v in read_since(prepared.bootstrap, DISRUPTIONS, read["since_ms"])
        ]
        read["outputs"] = self._write_outputs(current, replayer.notifications)
        as_in_folder = {prepared.locator_map.get(k, k): v for k, v in current.items()}
        offline = None
        if not args.no_offline:
            self.log("offline: rebook solve (optimal and greedy) on the same folder, for comparison ...")
            solves = OfflineSolves(prepared.folder, self.run_dir, args.offline_timeout, self.children)
            offline = solves.compare(as_in_folder, online)
        summary = {
            "scenario": {"size": args.size, "seed": args.seed, "folder": str(prepared.folder), **prepared.counts},
            "carrier": prepared.carrier,
            "shift_s": report["shift_s"],
            "speed": report["speed"],
            "legs": stats.disruption_stats(disruptions, prepared.carrier, leg_ids),
            "affected": _affected(online, len(offers)),
            "offered": _offered(online),
            "notifications": notes,
            "solver": stats.solver_stats(final.get("optimizer", {})),
            "offline": offline,
            "replay": {k: report[k] for k in ("wall_s", "legs", "bookings", "events", "pings", "devices_subscribed")}
            | {"errors": report["errors"][:20]},
            "metrics_endpoints": endpoints,
            "outputs": read["outputs"],
            "logs": str(self.run_dir),
            "processes": {name: s.process.pid for name, s in running.cluster.services.items() if s.process},
        }
        summary["wall_s"] = round(time.time() - self.started_wall, 1)
        return summary

    def _finish(self, summary: dict[str, Any], running: Running, read: dict[str, Any]) -> int:
        """6. Report, then stop (with --keep only on Ctrl-C, so /metrics can be read)."""
        args, outputs = self.args, read["outputs"]
        self.log("")
        self.log(render_summary(summary))
        self.log(f"online offers in {outputs['offers']}, notifications in {outputs['notifications']}")
        if args.keep:
            endpoints = ", ".join(running.endpoints.values())
            self.log(f"services left running (--keep): metrics at {endpoints}; Ctrl-C stops")
            with suppress(KeyboardInterrupt):
                threading.Event().wait()
        summary["exit_codes"] = self._stop_cluster(running.cluster)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
            self.log(f"summary written to {args.json}")
        ok = read["online"]["bookings"] > 0 and read["notes"]["delivered"] > 0
        return 0 if ok else 1

    def _stop_cluster(self, cluster: LocalCluster) -> dict:
        if not cluster.services or all(
            s.process is None or s.process.poll() is not None for s in cluster.services.values()
        ):
            return {n: (s.process.returncode if s.process else None) for n, s in cluster.services.items()}
        self.log("services: stopping (SIGTERM) ...")
        return cluster.stop()

    def _show_one_passenger(self, replayer: DemoReplayer, keyring: Keyring, cluster: LocalCluster) -> None:
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
                out.write(message_json_line(current[locator]) + "\n")
        with notes_path.open("w", encoding="utf-8") as out:
            for record in notifications:
                out.write(json.dumps(record.to_json()) + "\n")
        return {"offers": str(offers_path), "notifications": str(notes_path)}


def _affected(online: dict[str, Any], versions_read: int) -> dict[str, Any]:
    return {
        "bookings": online["bookings"],
        "passengers": online["passengers"],
        "unaccommodated_passengers": online["unaccommodated_passengers"],
        "unaccommodated_by_reason": online["unaccommodated_by_reason"],
        "offers_by_status": online["by_status"],
        "offer_versions_read": versions_read,
    }


def _offered(online: dict[str, Any]) -> dict[str, Any]:
    return {
        "bookings": online["offered_bookings"],
        "passengers": online["offered_passengers"],
        "passenger_share": online["offered_passenger_share"],
        "booking_share": online["offered_booking_share"],
        "groups_split": online["groups_split"],
        "same_day_share": online["same_day_share"],
        "within_24h_share": online["within_24h_share"],
        "delay_min_mean": stats.rounded(online["delay_min_mean"], 1),
        "delay_min_p50": online["delay_min_p50"],
        "delay_min_p95": online["delay_min_p95"],
        "delay_hours_total": round(online["delay_hours_total"], 1),
    }

"""``rebook kafka up|down|wipe|topics|bootstrap``: the local broker the Makefile starts for tests
and the demo (development tooling; a deployment creates its topics with ``rebook topics``).

``down`` stops the broker and keeps its data (the next ``up`` has every topic and record back);
``wipe`` (broker stopped) deletes the data for good."""

from __future__ import annotations

import argparse
import os
import sys
import time

from rebook.runtime.kafka import broker_listening
from rebook.runtime.kafka_admin import KafkaSetupError, ensure_topics, wait_for_broker
from rebook.tooling.local_kafka import LocalKafka


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("up", "down", "wipe", "topics", "bootstrap"),
        help="up: start (data kept from the last run); down: stop, keeping the data; wipe: delete the "
        "stopped broker's data for good; topics: create missing topics; bootstrap: print the address",
    )


def run(args: argparse.Namespace) -> int:
    external = os.environ.get("REBOOK_KAFKA_BOOTSTRAP")
    try:
        if external:
            return _external(args.action, external)
        local = LocalKafka.from_env()
        if args.action == "up":
            start = time.monotonic()
            if local.running_pid() is None and broker_listening(local.bootstrap):
                print(f"a broker this checkout did not start listens at {local.bootstrap}: using it")
            elif not local.jars_resolved:
                print("fetching the Kafka broker's jars from Maven Central (first run only) ...")
            limit = f"{local.start_timeout_s:.0f}s, REBOOK_KAFKA_START_TIMEOUT"
            print(f"kafka at {local.bootstrap}: starting, or waiting for the running one (up to {limit})")
            local.up(progress=lambda waited, allowed: print(f"  still starting ({waited:.0f}s of {allowed:.0f}s)"))
            print(f"kafka up at {local.bootstrap} in {time.monotonic() - start:.1f}s (log: {local.log_file})")
        elif args.action == "down":
            stopped = local.down()
            print("kafka stopped (data kept; `rebook kafka wipe` deletes it)" if stopped else "kafka was not running")
        elif args.action == "wipe":
            print(f"kafka data deleted ({local.data_dir})" if local.wipe() else "no kafka data to delete")
        elif args.action == "topics":
            print("\n".join(ensure_topics(local.bootstrap)) or "all topics exist")
        else:
            print(local.bootstrap)
        return 0
    except KafkaSetupError as exc:
        print(f"rebook kafka {args.action}: {exc}", file=sys.stderr)
        return 1


def _external(action: str, bootstrap: str) -> int:
    """REBOOK_KAFKA_BOOTSTRAP set: use that cluster, start and stop nothing."""
    if action in ("up", "topics"):
        wait_for_broker(bootstrap, 60)
        created = ensure_topics(bootstrap)
        print(f"using existing Kafka at {bootstrap}; created topics: {', '.join(created) or 'none'}")
    elif action == "bootstrap":
        print(bootstrap)
    else:
        print(f"using existing Kafka at {bootstrap}; nothing to stop or wipe")
    return 0

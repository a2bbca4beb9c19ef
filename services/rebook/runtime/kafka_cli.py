"""``rebook kafka up|down|topics``: the local broker the Makefile starts for tests and the demo."""

from __future__ import annotations

import argparse
import os
import sys
import time

from rebook.runtime.local_kafka import KafkaSetupError, LocalKafka, ensure_topics, wait_for_broker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("up", "down", "topics", "bootstrap"), help="what to do")


def run(args: argparse.Namespace) -> int:
    external = os.environ.get("REBOOK_KAFKA_BOOTSTRAP")
    try:
        if external:
            return _external(args.action, external)
        local = LocalKafka.from_env()
        if args.action == "up":
            start = time.monotonic()
            local.up()
            print(f"kafka up at {local.bootstrap} in {time.monotonic() - start:.1f}s (log: {local.log_file})")
        elif args.action == "down":
            print("kafka stopped" if local.down() else "kafka was not running")
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
        print(f"using existing Kafka at {bootstrap}; nothing to stop")
    return 0

"""``rebook topics``: creates the declared topics (``runtime/topics.py``) that the cluster at
``REBOOK_KAFKA_BOOTSTRAP`` lacks, then exits — a deployment's one-shot step (``deploy/compose.yaml``).

It waits for the cluster up to ``REBOOK_KAFKA_WAIT`` (60s by default), as a starting service
does, and never starts or stops a broker: that is ``rebook kafka`` (development tooling).
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from rebook.runtime.config import DEFAULT_KAFKA_BOOTSTRAP, Env
from rebook.runtime.kafka_admin import ensure_topics, wait_for_broker


def _replication(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is out of range (at least 1)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replication",
        type=_replication,
        default=1,
        help="replication factor of the topics it creates (existing topics are left as they are)",
    )


def run(args: argparse.Namespace) -> int:
    env = Env()
    bootstrap = env.str("KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    wait_for_broker(bootstrap, env.duration("KAFKA_WAIT", timedelta(seconds=60)).total_seconds())
    created = ensure_topics(bootstrap, replication=args.replication)
    print(f"Kafka at {bootstrap}: created topics: {', '.join(created) or 'none (all exist)'}")
    return 0

"""Push bookings from a JSON Lines file (the scenario format's bookings.jsonl) to rebook.

    REBOOK_CLIENT_TOKEN=... python examples/push_bookings.py --optimizer 127.0.0.1:50053 \
        --bookings bookings.jsonl

Bookings are idempotent by record locator + version: pushing the same file again reports them
as unchanged. A booking rebook refuses (e.g. a leg not loaded, a cabin the leg lacks) is named
with its line and reason; the others are stored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from feed_flight_events import read_jsonl

from rebook.client import ClientOptions, RebookingClient
from rebook.v1 import booking_pb2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--optimizer", default="127.0.0.1:50053", help="optimizer gRPC address (default %(default)s)")
    parser.add_argument("--bookings", type=Path, required=True, help="bookings.jsonl to push")
    args = parser.parse_args()
    with RebookingClient(ClientOptions.from_env(args.optimizer)) as optimizer:
        result = optimizer.upsert_bookings(read_jsonl(args.bookings, booking_pb2.Booking))
    for item in result.rejected:  # the others were stored
        print(f"rejected line {item.index + 1} {item.id}: {item.code} {item.message}", file=sys.stderr)
    print(f"bookings: {result.stored} stored, {result.unchanged} unchanged, {result.rejected_count} rejected")
    return 1 if result.rejected_count else 0


if __name__ == "__main__":
    sys.exit(main())

"""Feed flight events from a JSON Lines file (the scenario format's events.jsonl) to rebook.

    REBOOK_CLIENT_TOKEN=... python examples/feed_flight_events.py --detector 127.0.0.1:50051 \
        --schedule flights.jsonl --events events.jsonl

Loads the schedule first (when given), then reports the events in order, in batches; prints one
line per rejected event and a count at the end.  Every event carries its event_id, so running the
script twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from google.protobuf import json_format

from rebook.client import ClientOptions, FlightStatusClient
from rebook.v1 import event_pb2, flight_pb2


def read_jsonl(path: Path, message: type) -> list:
    items = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                items.append(json_format.Parse(line, message()))
            except json_format.ParseError as exc:
                raise SystemExit(f"{path}:{number}: not a {message.DESCRIPTOR.full_name}: {exc}") from None
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detector", default="127.0.0.1:50051", help="detector gRPC address (default %(default)s)")
    parser.add_argument("--schedule", type=Path, help="flights.jsonl to load first")
    parser.add_argument("--events", type=Path, help="events.jsonl to report")
    args = parser.parse_args()
    refused = 0
    with FlightStatusClient(ClientOptions.from_env(args.detector)) as detector:
        if args.schedule:
            loaded = detector.load_schedule(read_jsonl(args.schedule, flight_pb2.FlightLeg))
            for item in (item for reply in loaded for item in reply.rejected):  # the others were loaded
                print(f"rejected leg on line {item.index + 1} {item.id}: {item.code} {item.message}", file=sys.stderr)
            refused = sum(r.rejected_count for r in loaded)
            print(
                f"schedule: {sum(r.created_count + r.updated_count for r in loaded)} legs loaded or updated, "
                f"{refused} rejected"
            )
        results = detector.report_events(read_jsonl(args.events, event_pb2.FlightEvent)) if args.events else []
    rejected = [r for r in results if r.error_code]
    for result in rejected:
        print(f"rejected {result.event_id}: {result.error_code} {result.error_message}", file=sys.stderr)
    applied = sum(r.applied for r in results)
    print(f"events: {applied} applied, {len(results) - applied - len(rejected)} unchanged, {len(rejected)} rejected")
    return 1 if rejected or refused else 0


if __name__ == "__main__":
    sys.exit(main())

"""Follow a passenger's offers as an app backend would, printing one line per notification.

    REBOOK_CLIENT_TOKEN=<passenger or app-backend token> python examples/follow_offers.py \
        --notifier 127.0.0.1:50054 --passenger-id P123 [--count 1]

Stops after --count notifications (0: follow until Ctrl-C).  Acknowledges each one, so the
notifier knows the device showed it.
"""

from __future__ import annotations

import argparse
import sys

from rebook.client import ClientOptions, NotificationClient
from rebook.v1 import offer_pb2


def describe(offer: offer_pb2.Offer) -> str:
    status = offer_pb2.OfferStatus.Name(offer.status).removeprefix("OFFER_STATUS_").lower()
    return f"offer v{offer.version} {status}: {offer.explanation}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notifier", default="127.0.0.1:50054", help="notifier gRPC address (default %(default)s)")
    parser.add_argument("--passenger-id", required=True, help="whose notifications to follow")
    parser.add_argument("--count", type=int, default=0, help="stop after this many (default: follow until Ctrl-C)")
    args = parser.parse_args()
    seen = 0
    with NotificationClient(ClientOptions.from_env(args.notifier)) as notifier:
        try:
            for notification in notifier.subscribe(args.passenger_id):
                print(describe(notification.offer), flush=True)
                notifier.acknowledge(notification.notification_id)
                seen += 1
                if args.count and seen >= args.count:
                    break
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

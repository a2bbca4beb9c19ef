"""``rebook token``: mint credentials from the configured key (``REBOOK_AUTH_SECRET``).

- ``rebook token passenger --passenger-id ID [--ttl 24h]``: a passenger token, for
  ``rebook passenger`` or an app that acts for one passenger;
- ``rebook token client --id ID --carrier RB [--carrier XX] --role ROLE ... [--ttl 24h]``: an
  airline client (``--carrier '*'`` acts for every carrier).

Prints the token alone on stdout, so ``TOKEN=$(rebook token ...)`` works.  Outside
``REBOOK_ENV=development`` the key must be a real one (see ``docs/security.md``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from rebook.domain.access import ROLES
from rebook.runtime.auth import load_keyring
from rebook.runtime.config import ConfigError, parse_duration


def _ttl(text: str) -> timedelta:
    try:
        ttl = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if ttl <= timedelta(0):
        raise argparse.ArgumentTypeError("the lifetime must be positive")
    return ttl


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    text = "a token bound to one passenger id"
    passenger = kinds.add_parser("passenger", help=text, description=text)
    passenger.add_argument("--passenger-id", required=True, help="the passenger the token proves")
    passenger.add_argument("--ttl", type=_ttl, default=timedelta(hours=24), help="lifetime (default 24h)")
    text = "an airline client's token, scoped to carriers and roles"
    client = kinds.add_parser("client", help=text, description=text)
    client.add_argument("--id", required=True, help="client id (the token's subject)")
    client.add_argument("--carrier", action="append", required=True, help="carrier code; repeat; '*' = all")
    client.add_argument("--role", action="append", required=True, choices=sorted(ROLES), help="repeat for several")
    client.add_argument("--ttl", type=_ttl, default=timedelta(hours=24), help="lifetime (default 24h)")


def run(args: argparse.Namespace) -> int:
    try:
        keyring = load_keyring()
    except ConfigError as exc:
        print(f"rebook token: {exc}", file=sys.stderr)
        return 2
    if args.kind == "passenger":
        print(keyring.passenger_token(args.passenger_id, args.ttl))
    else:
        print(keyring.client_token(args.id, args.carrier, args.role, args.ttl))
    return 0

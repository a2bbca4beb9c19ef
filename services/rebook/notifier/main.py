"""``rebook notifier``: runs the NotificationService."""

from __future__ import annotations

import argparse

from rebook.runtime.grpc_server import ServiceBinding
from rebook.runtime.service import ServiceContext, Wiring, run_service
from rebook.v1 import notification_service_pb2, notification_service_pb2_grpc


def wire(context: ServiceContext) -> Wiring:
    servicer = notification_service_pb2_grpc.NotificationServiceServicer()
    binding = ServiceBinding(
        notification_service_pb2.DESCRIPTOR.services_by_name["NotificationService"],
        servicer,
        notification_service_pb2_grpc.add_NotificationServiceServicer_to_server,
    )
    return Wiring(bindings=[binding])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see README."


def run(args: argparse.Namespace) -> int:
    return run_service("notifier", wire)

"""``rebook optimizer``: runs the RebookingService."""

from __future__ import annotations

import argparse

from rebook.runtime.grpc_server import ServiceBinding
from rebook.runtime.service import ServiceContext, Wiring, run_service
from rebook.v1 import rebooking_service_pb2, rebooking_service_pb2_grpc


def wire(context: ServiceContext) -> Wiring:
    servicer = rebooking_service_pb2_grpc.RebookingServiceServicer()
    binding = ServiceBinding(
        rebooking_service_pb2.DESCRIPTOR.services_by_name["RebookingService"],
        servicer,
        rebooking_service_pb2_grpc.add_RebookingServiceServicer_to_server,
    )
    return Wiring(bindings=[binding])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see README."


def run(args: argparse.Namespace) -> int:
    return run_service("optimizer", wire)

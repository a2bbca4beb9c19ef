"""``rebook detector``: runs the FlightStatusService."""

from __future__ import annotations

import argparse

from rebook.runtime.grpc_server import ServiceBinding
from rebook.runtime.service import ServiceContext, Wiring, run_service
from rebook.v1 import flight_status_service_pb2, flight_status_service_pb2_grpc


def wire(context: ServiceContext) -> Wiring:
    servicer = flight_status_service_pb2_grpc.FlightStatusServiceServicer()
    binding = ServiceBinding(
        flight_status_service_pb2.DESCRIPTOR.services_by_name["FlightStatusService"],
        servicer,
        flight_status_service_pb2_grpc.add_FlightStatusServiceServicer_to_server,
    )
    return Wiring(bindings=[binding])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see README."


def run(args: argparse.Namespace) -> int:
    return run_service("detector", wire)

"""``rebook.client``: the library an airline system uses to call rebook.

    from rebook.client import ClientOptions, FlightStatusClient

    with FlightStatusClient(ClientOptions("rebook-detector:50051", token=TOKEN)) as detector:
        detector.report_events(events)

Every call has a deadline (``ClientOptions.deadline_s``), ``UNAVAILABLE`` is retried with
exponential backoff by gRPC's retry policy, a bearer credential travels on every call, and TLS
(with a client certificate for mutual TLS) is one option away (``TlsSettings``, or
``REBOOK_GRPC_TLS_*`` as for every client in the project).  Runnable examples live in the
repository's ``examples/`` folder.
"""

from rebook.runtime.tls import TlsSettings

from .channel import ClientOptions, open_channel
from .services import FlightStatusClient, LocationClient, NotificationClient, RebookingClient, UpsertResult

__all__ = [
    "ClientOptions",
    "FlightStatusClient",
    "LocationClient",
    "NotificationClient",
    "RebookingClient",
    "TlsSettings",
    "UpsertResult",
    "open_channel",
]

import grpc
from google.rpc import error_details_pb2, status_pb2

from rebook.domain.errors import FieldViolation, NotFoundError, PreconditionError, ValidationError
from rebook.runtime.grpc_errors import status_for


def _details(status: grpc.Status) -> status_pb2.Status:
    (key, value), = status.trailing_metadata
    assert key == "grpc-status-details-bin"
    return status_pb2.Status.FromString(value)


def test_validation_error_becomes_invalid_argument_with_field_violations() -> None:
    error = ValidationError([FieldViolation("legs[0].origin", "unknown airport"), FieldViolation("legs[1].x", "bad")])
    status = status_for(error)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    rich = _details(status)
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert rich.details[0].Unpack(info) and info.reason == "INVALID_INPUT" and info.domain == "rebook.dev"
    assert rich.details[1].Unpack(bad)
    assert [(v.field, v.description) for v in bad.field_violations] == [
        ("legs[0].origin", "unknown airport"),
        ("legs[1].x", "bad"),
    ]


def test_not_found_and_precondition_codes() -> None:
    assert status_for(NotFoundError("no leg", field="event.leg_id")).code == grpc.StatusCode.NOT_FOUND
    assert status_for(PreconditionError("seats gone")).code == grpc.StatusCode.FAILED_PRECONDITION

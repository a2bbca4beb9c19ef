import grpc
from google.rpc import error_details_pb2, status_pb2

from rebook.domain.errors import FieldViolation, NotFoundError, PreconditionError, ValidationError
from rebook.runtime.grpc_errors import status_for


def _details(status: grpc.Status) -> status_pb2.Status:
    ((key, value),) = status.trailing_metadata
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


def test_error_details_are_bounded_whatever_the_number_and_size_of_violations() -> None:
    from rebook.runtime.grpc_errors import MAX_FIELD_VIOLATIONS

    error = ValidationError([FieldViolation(f"legs[{i}].origin", "z" * 10_000) for i in range(5000)])
    status = status_for(error)
    bad = error_details_pb2.BadRequest()
    assert _details(status).details[1].Unpack(bad)
    shown = len(bad.field_violations) - 1  # the count of the rest comes last
    assert 5 <= shown <= MAX_FIELD_VIOLATIONS  # long descriptions: the byte budget ends the list first
    assert bad.field_violations[-1].description == f"{5000 - shown} more violations not shown"
    assert all(len(v.description) <= 200 for v in bad.field_violations)
    assert len(status.details) <= 500 and sum(len(v) for _, v in status.trailing_metadata) < 4096

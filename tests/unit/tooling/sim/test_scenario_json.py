"""The fast scenario reader (issue 18): the same domain objects and the same errors as the
reference path (protobuf's JSON parser, then ``rebook.domain.convert``), one error per bad line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import json_format

from rebook.domain.convert import booking_from_proto, booking_to_proto, leg_from_proto, leg_to_proto
from rebook.domain.errors import DomainError, ValidationError
from rebook.domain.model import Booking, Cabin, Passenger, Segment, SpecialService, Tier
from rebook.flightops.convert import event_from_proto
from rebook.tooling.sim.scenario import Scenario, stream_bookings, stream_events, stream_legs, stream_ping_errors
from rebook.tooling.sim.scenario_cli import check_scenario, write_generated
from rebook.tooling.sim.scenario_json import BookingDecoder, booking_json
from rebook.tooling.sim.scenario_json_legs import LegDecoder, check_ping
from rebook.tooling.solve_cli import load_scenario
from rebook.v1 import booking_pb2, flight_pb2

GOOD = {
    "recordLocator": "ABC234",
    "version": "3",
    "carrier": "RB",
    "passengers": [
        {"passengerId": "pax-1", "tier": "TIER_GOLD", "specialServices": ["SPECIAL_SERVICE_WHEELCHAIR"]},
        {"passengerId": "pax-2", "tier": "TIER_BASIC", "locationConsent": True, "contactOptIn": True},
    ],
    "segments": [{"legId": "RB1-2026-11-23-DEN", "cabin": "CABIN_BUSINESS"}],
}


def _reference_booking(line: str) -> Booking:
    return booking_from_proto(json_format.Parse(line, booking_pb2.Booking()), field="bookings[0].")


def _variant(**changes) -> str:
    obj = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        target = obj
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return json.dumps(obj)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    write_generated(out, seed=11, size="small")
    return out


def test_generated_folder_reads_as_the_reference_path(folder):
    reference = Scenario.load(folder)
    legs, bookings, events = load_scenario(folder)
    assert legs == [leg_from_proto(m) for m in reference.flights]
    assert bookings == [booking_from_proto(m) for m in reference.bookings]
    assert events == [event_from_proto(m, field=f"events[{i}]") for i, m in enumerate(reference.events)]
    assert all(error is None for error in stream_ping_errors(folder))


def test_fast_writer_writes_what_protobuf_writes(folder):
    for booking in load_scenario(folder)[1][:500]:
        assert json.loads(booking_json(booking)) == json.loads(json_format.MessageToJson(booking_to_proto(booking)))


def test_equal_segments_are_one_object(folder):
    bookings = load_scenario(folder)[1]
    by_key = {}
    for booking in bookings:
        for segment in booking.segments:
            assert by_key.setdefault((segment.leg_id, segment.cabin), segment) is segment


@pytest.mark.parametrize(
    "line",
    [
        json.dumps(GOOD),
        _variant(version=3),  # int64 as a number
        _variant(version=KeyError),
        _variant(passengers__0__tier=3),  # enum as its number
        _variant(passengers__0__tier="TIER_UNSPECIFIED"),  # read as basic, as before
        _variant(passengers__0__tier=KeyError),
        _variant(segments__0__cabin=1),
        _variant(passengers__0__specialServices=["SPECIAL_SERVICE_WHEELCHAIR", "SPECIAL_SERVICE_BLIND"]),
        json.dumps({**GOOD, "record_locator": "XYZ789"}).replace('"recordLocator": "ABC234", ', ""),
        json.dumps(GOOD, indent=2).replace("\n", " "),
    ],
)
def test_every_valid_form_reads_as_the_reference_path(line):
    assert BookingDecoder().decode(line, "bookings[0].") == _reference_booking(line)


@pytest.mark.parametrize(
    "line",
    [
        _variant(segments__0__cabin="CABIN_UNSPECIFIED"),
        _variant(segments__0__cabin=KeyError),
        _variant(passengers__0__specialServices=["SPECIAL_SERVICE_UNSPECIFIED"]),
        _variant(passengers__0__tier="TIER_EMPEROR"),
        _variant(version="three"),
        _variant(version=True),
        _variant(carrier=7),
        _variant(passengers__0__contactOptIn="yes"),
        _variant(surprise=1),
        _variant(segments={"legId": "x"}),
        '{"recordLocator": "ABC234", ',
        "[1, 2]",
    ],
)
def test_every_invalid_form_fails_as_the_reference_path(line):
    with pytest.raises(DomainError) as reference:
        _reference_booking(line) if _parses(line) else _raise_parse_error(line)
    with pytest.raises(DomainError) as fast:
        BookingDecoder().decode(line, "bookings[0].", where="line")
    assert type(fast.value) is type(reference.value)
    assert fast.value.violations == reference.value.violations


def _parses(line: str) -> bool:
    try:
        json_format.Parse(line, booking_pb2.Booking())
    except json_format.ParseError:
        return False
    return True


def _raise_parse_error(line: str) -> None:
    from rebook.tooling.sim.scenario_json_fields import parse_line

    parse_line(line, booking_pb2.Booking, "line")


def test_decoded_booking_is_the_domain_object():
    booking = BookingDecoder().decode(json.dumps(GOOD))
    assert booking == Booking(
        "ABC234",
        (
            Passenger("pax-1", Tier.GOLD, frozenset({SpecialService.WHEELCHAIR}), False, False),
            Passenger("pax-2", Tier.BASIC, frozenset(), True, True),
        ),
        (Segment("RB1-2026-11-23-DEN", Cabin.BUSINESS),),
        version=3,
        carrier="RB",
    )


def test_legs_in_other_forms_read_as_the_reference_path(folder):
    line = (folder / "flights.jsonl").read_text().splitlines()[0]
    obj = json.loads(line)
    variants = [
        line,
        json.dumps({**obj, "scheduledDepartureTime": obj["scheduledDepartureTime"].replace("Z", "+00:00")}),
        json.dumps({**obj, "estimatedArrivalTime": "2026-11-23T16:00:00.500Z"}),
        json.dumps({**obj, "minTurnDuration": "2100.5s", "status": 2, "version": 4}),
        json.dumps({**obj, "cabins": [{"cabin": 1, "capacity": "10", "sold": 3}]}),
    ]
    for variant in variants:
        reference = leg_from_proto(json_format.Parse(variant, flight_pb2.FlightLeg()), field="flights[0].")
        assert LegDecoder().decode(variant, "flights[0].") == reference
    leg = LegDecoder().decode(line)
    assert json.loads(json_format.MessageToJson(leg_to_proto(leg))) == obj


def test_invalid_legs_fail_as_the_reference_path(folder):
    obj = json.loads((folder / "flights.jsonl").read_text().splitlines()[0])
    for bad in (
        {**obj, "operatingDate": "23/11/2026"},
        {k: v for k, v in obj.items() if k != "scheduledArrivalTime"},
        {**obj, "cabins": [{"cabin": "CABIN_ECONOMY"}, {"cabin": "CABIN_ECONOMY"}]},
    ):
        line = json.dumps(bad)
        with pytest.raises(ValidationError) as reference:
            leg_from_proto(json_format.Parse(line, flight_pb2.FlightLeg()), field="flights[0].")
        with pytest.raises(ValidationError) as fast:
            LegDecoder().decode(line, "flights[0].")
        assert fast.value.violations == reference.value.violations


def test_bad_lines_are_reported_one_by_one(folder, tmp_path):
    for name in ("flights.jsonl", "events.jsonl", "pings.jsonl"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    lines = (folder / "bookings.jsonl").read_text().splitlines()
    broken = [lines[0], "", _variant(segments__0__cabin="CABIN_UNSPECIFIED"), "not json", *lines[1:]]
    (tmp_path / "bookings.jsonl").write_text("\n".join(broken) + "\n")
    items = list(stream_bookings(tmp_path))
    errors = [(i, item) for i, item in enumerate(items) if isinstance(item, ValidationError)]
    assert [i for i, _ in errors] == [1, 2]
    assert errors[0][1].violations[0].field == "bookings[1].segments[0].cabin"
    assert errors[1][1].violations[0].field == "bookings.jsonl:4"  # the file's line, blank lines counted
    assert sum(1 for item in items if isinstance(item, Booking)) == len(lines)
    summary = check_scenario(tmp_path)
    assert not summary["ok"]
    assert summary["problem_count"] == 2 and summary["bookings"] == len(lines)
    with pytest.raises(ValidationError, match=r"bookings\[1\]\.segments\[0\]\.cabin"):
        load_scenario(tmp_path)


def test_bad_legs_events_and_pings_are_items_too(folder, tmp_path):
    for name in ("bookings.jsonl",):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "flights.jsonl").write_text((folder / "flights.jsonl").read_text() + '{"legId": 5}\n')
    (tmp_path / "events.jsonl").write_text((folder / "events.jsonl").read_text() + '{"eventId": "e"}\n')
    (tmp_path / "pings.jsonl").write_text('{"passengerId": "p", "latitude": "north"}\n')
    assert isinstance(list(stream_legs(tmp_path))[-1], ValidationError)
    assert isinstance(list(stream_events(tmp_path))[-1], ValidationError)
    assert [type(e) for e in stream_ping_errors(tmp_path)] == [ValidationError]
    with pytest.raises(ValidationError):
        check_ping('{"passengerId": "p", "latitude": "north"}')
    check_ping('{"passengerId": "p", "latitude": 1, "longitude": 2.5, "pingTime": "2026-11-23T10:00:00Z"}')


def test_unknown_flight_status_number_is_a_violation_not_a_crash(folder):
    obj = json.loads((folder / "flights.jsonl").read_text().splitlines()[0])
    line = json.dumps({**obj, "status": 42})
    with pytest.raises(ValidationError) as fast:
        LegDecoder().decode(line, "flights[0].")
    assert [v.field for v in fast.value.violations] == ["flights[0].status"]

"""``rebook scenario check`` at I/O speed (issue 18): blocks of bookings proven clean on strict
structs are never built, and the report is exactly the one the item-by-item path gives —
the same counts, the same problems, at the same positions and file lines."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.batch import Rejected
from rebook.domain.bookings import DEFAULT_RULES, BookingRules
from rebook.domain.errors import DomainError, FieldViolation, ValidationError
from rebook.flightops import replay
from rebook.tooling.sim import scenario, scenario_cli
from rebook.tooling.sim.scenario import read_items, stream_events, stream_legs
from rebook.tooling.sim.scenario_cli import CleanBookings, booking_error, check_scenario, write_generated
from rebook.tooling.sim.scenario_json import BookingDecoder, strict_structs


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    write_generated(out, seed=5, size="small")
    return out


def _legs(folder: Path) -> dict:
    legs = read_items("flights", stream_legs(folder))
    events = read_items("events", stream_events(folder))
    return replay(legs.items, events.items, paths=legs.paths()).legs


def _reference(folder: Path, rules: BookingRules = DEFAULT_RULES) -> tuple[int, list[str]]:
    """The bookings part of the report as the item-by-item path makes it: every line built by
    ``BookingDecoder.decode`` (protobuf's parser for what is not canonical) and checked by
    ``booking_error``, blank lines skipped but counted in file line numbers."""
    legs, decoder = _legs(folder), BookingDecoder()
    count, position, rejected = 0, 0, []
    for number, line in enumerate((folder / "bookings.jsonl").read_bytes().splitlines(keepends=True), start=1):
        if not line.strip():
            continue
        try:
            booking = decoder.decode(line, f"bookings[{position}].", f"bookings.jsonl:{number}")
        except ValidationError as error:
            rejected.append(Rejected(position, "", error))
        except DomainError as error:  # as scenario._stream wraps it
            wrapped = ValidationError([FieldViolation(f"bookings[{position}]", str(error))])
            rejected.append(Rejected(position, "", wrapped))
        else:
            count += 1
            error = booking_error(booking, legs, f"bookings[{position}].", rules)
            if error is not None:
                rejected.append(Rejected(position, booking.record_locator, error))
        position += 1
    return count, [f"bookings {r.line()}" for r in rejected]


def _bad_bookings(good: dict, leg_ids: list[str]) -> list[str]:
    """One line per kind of mistake, plus lines the strict structs refuse but the rules accept."""

    def variant(**changes) -> str:
        obj = json.loads(json.dumps(good))
        obj.update(changes)
        return json.dumps(obj)

    pax = good["passengers"][0]
    seg = good["segments"][0]
    return [
        variant(recordLocator="abc12"),  # lower case
        variant(recordLocator="AB1"),  # too short
        variant(recordLocator="ABCDE\n"),  # a newline a pattern with $ would let through
        variant(passengers=[]),
        variant(passengers=[pax, pax]),  # repeated passenger id
        variant(passengers=[{**pax, "passengerId": ""}]),
        variant(segments=[]),
        variant(segments=[seg, seg]),  # the same leg twice
        variant(segments=[{**seg, "legId": "RB9999-2026-11-23-FRA"}]),  # not in the schedule
        variant(segments=[{**seg, "legId": ""}]),
        variant(segments=[{**seg, "cabin": "CABIN_FIRST"}]),  # not offered
        variant(segments=[{"legId": leg_ids[-1], "cabin": seg["cabin"]}, {"legId": leg_ids[0], "cabin": seg["cabin"]}]),
        variant(version="0"),
        variant(version=0),
        variant(version="x"),
        variant(version=2),  # valid: an int64 as a number
        variant(version="0007"),  # valid
        variant(passengers=[{**pax, "tier": 3}]),  # valid: an enum number, read by protobuf's parser
        variant(passengers=[{**pax, "tier": "TIER_EMPEROR"}]),
        variant(segments=[{**seg, "cabin": "CABIN_UNSPECIFIED"}]),
        variant(surprise=1),
        '{"recordLocator": "ABCDEF", ',  # not JSON
        "",  # blank: skipped, but counted in line numbers
        "   ",
    ]


def test_check_reports_what_the_item_by_item_path_reports(generated, tmp_path, monkeypatch) -> None:
    for name in ("flights.jsonl", "events.jsonl", "pings.jsonl"):
        (tmp_path / name).write_bytes((generated / name).read_bytes())
    lines = (generated / "bookings.jsonl").read_text().splitlines()
    good = json.loads(lines[0])
    bad = _bad_bookings(good, sorted(_legs(generated)))
    # Each bad line alone among good ones: a block the fast path wrongly passed would hide it.
    mixed = []
    for i, line in enumerate(lines):
        mixed.append(line)
        if i % 40 == 0 and i // 40 < len(bad):
            mixed.append(bad[i // 40])
    mixed += bad[:5]  # and a few together
    (tmp_path / "bookings.jsonl").write_text("\n".join(mixed))  # and no newline at the end
    monkeypatch.setattr(scenario, "_BLOCK_BYTES", 4096)  # many blocks, clean ones and dirty ones
    count, problems = _reference(tmp_path)
    summary = check_scenario(tmp_path)
    assert summary["bookings"] == count
    assert summary["rejected"]["bookings"] == len(problems) > 20
    assert [p for p in summary["problems"] if p.startswith("bookings ")] == problems[:50]
    assert summary["problem_count"] == len(problems)


def test_a_clean_scenario_is_checked_without_building_a_booking(generated, monkeypatch) -> None:
    built = []
    real = scenario_cli.decode_block
    monkeypatch.setattr(scenario_cli, "decode_block", lambda *a: built.append(a) or real(*a))
    summary = check_scenario(generated)
    assert summary["ok"] and summary["bookings"] > 1000
    assert built == []


def test_a_party_above_the_limit_is_not_proven_clean(generated) -> None:
    line = (generated / "bookings.jsonl").read_bytes().splitlines()[0]
    (struct,) = strict_structs([line])
    legs = _legs(generated)
    assert CleanBookings(legs, DEFAULT_RULES)(struct)
    assert not CleanBookings(legs, BookingRules(max_party=len(struct.passengers) - 1))(struct)


# Small alphabets, mostly valid values, so that a booking is often clean but for one thing:
# a repeat, an unknown leg, a cabin not offered, a broken connection.
_IDS = st.sampled_from(["p1", "p2", "p3", "p4", "p5", ""])
_CABINS = st.sampled_from(["CABIN_ECONOMY"] * 6 + ["CABIN_BUSINESS", "CABIN_FIRST", "X"])
_TIERS = st.sampled_from(["TIER_BASIC", "TIER_GOLD", "TIER_UNSPECIFIED", "TIER_X"] + ["TIER_BASIC"] * 4)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_proven_clean_means_the_rules_find_nothing(generated, data) -> None:
    legs = _legs(generated)
    connecting = _connecting(generated)
    ids = [*sorted(legs)[:40], "RB9999-2026-11-23-FRA"]
    pair = data.draw(st.sampled_from(connecting))
    legs_drawn = data.draw(
        st.one_of(
            st.just(list(pair)),  # flies, unless a cabin or another field says otherwise
            st.just([pair[1], pair[0]]),  # does not connect
            st.lists(st.sampled_from(ids), min_size=0, max_size=3),
        )
    )
    obj = {
        "recordLocator": data.draw(st.sampled_from(["ABC234"] * 4 + ["abc234", "AB", "ABCDEFGH9", "XYZ99"])),
        "version": data.draw(st.sampled_from(["1"] * 3 + ["0", "12", 3, 0, "-1"])),
        "carrier": "RB",
        "passengers": data.draw(
            st.lists(st.fixed_dictionaries({"passengerId": _IDS, "tier": _TIERS}), min_size=0, max_size=3)
        ),
        "segments": [{"legId": leg_id, "cabin": data.draw(_CABINS)} for leg_id in legs_drawn],
    }
    line = json.dumps(obj).encode()
    rules = BookingRules(max_party=data.draw(st.integers(1, 3)))
    structs = strict_structs([line])
    if structs is None or not CleanBookings(legs, rules)(structs[0]):
        return  # not proven: the rules decide, nothing to hold
    booking = BookingDecoder().decode(line, "bookings[0].")
    assert booking_error(booking, legs, "bookings[0].", rules) is None


def _connecting(folder: Path) -> list[tuple[str, str]]:
    """Pairs of legs that generated bookings connect on."""
    pairs = set()
    for line in (folder / "bookings.jsonl").read_text().splitlines():
        segments = [s["legId"] for s in json.loads(line)["segments"]]
        pairs.update(itertools.pairwise(segments))
    return sorted(pairs)[:50]

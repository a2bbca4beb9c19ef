"""``rebook solve`` vets bookings fast (issue 18): ``CleanBooking`` proves most bookings clean at
a glance and only the others go through ``check_booking``; the bookings solved and the
rejections reported are exactly the ones the rules give item by item."""

from __future__ import annotations

import json

from rebook.domain.bookings import DEFAULT_RULES, BookingRules, CleanBooking, check_booking
from rebook.domain.errors import DomainError, FieldViolation, ValidationError
from rebook.tooling import solve_cli
from rebook.tooling.sim import scenario
from rebook.tooling.sim.scenario import ReadItems, read_bookings
from rebook.tooling.sim.scenario_cli import write_generated

from .test_check_fast_path import _bad_bookings, _legs


def _item_by_item(read: ReadItems, legs: dict, rules: BookingRules) -> list:
    """What ``_vet_bookings`` did before the proof: every rule on every booking."""
    valid, first = [], {}
    for booking, position in zip(read.items, read.positions, strict=True):
        try:
            check_booking(booking, legs, f"bookings[{position}].", rules)
            if booking.record_locator in first:
                path = f"bookings[{position}].record_locator"
                raise ValidationError([FieldViolation(path, f"repeats bookings[{first[booking.record_locator]}]")])
        except DomainError as error:
            read.refuse(position, booking.record_locator, error)
            continue
        first[booking.record_locator] = position
        valid.append(booking)
    return valid


def test_solve_vets_what_the_item_by_item_path_vets(tmp_path, monkeypatch) -> None:
    write_generated(tmp_path, seed=5, size="small")
    lines = (tmp_path / "bookings.jsonl").read_text().splitlines()
    good = json.loads(lines[0])
    legs = _legs(tmp_path)
    bad = _bad_bookings(good, sorted(legs))
    mixed = []
    for i, line in enumerate(lines):
        mixed.append(line)
        if i % 40 == 0 and i // 40 < len(bad):
            mixed.append(bad[i // 40])
        if i == len(lines) // 2:
            mixed.append(lines[3])  # a record locator again, far from the first
    (tmp_path / "bookings.jsonl").write_text("\n".join(mixed))
    monkeypatch.setattr(scenario, "_BLOCK_BYTES", 4096)
    for rules in (DEFAULT_RULES, BookingRules(max_party=2)):
        reference_read, read = read_bookings(tmp_path), read_bookings(tmp_path)
        reference = _item_by_item(reference_read, legs, rules)
        assert solve_cli._vet_bookings(read, legs, rules) == reference
        assert solve_cli.rejection_report(read) == solve_cli.rejection_report(reference_read)
        assert len(reference_read.rejected) > 20
        assert any("repeats bookings[4]" in line for line in solve_cli.rejection_report(read)[1])  # lines[3]


def test_clean_booking_proves_only_what_the_rules_pass(tmp_path) -> None:
    write_generated(tmp_path, seed=5, size="small")
    legs = _legs(tmp_path)
    lines = (tmp_path / "bookings.jsonl").read_text().splitlines()
    good = json.loads(lines[0])
    (tmp_path / "bookings.jsonl").write_text("\n".join([*lines, *_bad_bookings(good, sorted(legs))]))
    bookings = read_bookings(tmp_path).items
    for rules in (DEFAULT_RULES, BookingRules(max_party=2)):
        clean, proven = CleanBooking(legs, rules), 0
        for booking in bookings:
            try:
                check_booking(booking, legs, "", rules)
                passes = True
            except DomainError:
                passes = False
            assert not clean(booking) or passes, booking.record_locator  # a proof, never a guess
            proven += clean(booking)
        if rules == DEFAULT_RULES:
            assert proven > len(bookings) * 0.9  # and it proves nearly every real booking
    assert not CleanBooking({}, DEFAULT_RULES)(bookings[0])  # no legs loaded: nothing proven


def test_solve_scenario_vets_with_the_proof(tmp_path, monkeypatch) -> None:
    write_generated(tmp_path, seed=2, size="small")
    proved = []
    real = CleanBooking.__call__
    monkeypatch.setattr(CleanBooking, "__call__", lambda self, b: proved.append(real(self, b)) or proved[-1])
    summary, _ = solve_cli.solve_scenario(tmp_path, "greedy", None)
    assert summary["bookings"] == len(proved) and sum(proved) > len(proved) * 0.9

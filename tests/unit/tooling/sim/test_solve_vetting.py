"""``rebook solve`` vets bookings on ``scenario check``'s proof path (issue 18): blocks that
``CleanBookings`` proves clean are built from their strict structs and not checked again item
by item, and the bookings solved and the rejections reported are exactly the ones the
item-by-item path gives."""

from __future__ import annotations

import json
from pathlib import Path

from rebook.domain.bookings import DEFAULT_RULES, BookingRules
from rebook.tooling import solve_cli
from rebook.tooling.sim import scenario
from rebook.tooling.sim.scenario import read_bookings
from rebook.tooling.sim.scenario_cli import CleanBookings, write_generated

from .test_check_fast_path import _bad_bookings, _legs


def _vetted(folder: Path, legs: dict, rules: BookingRules, proof: bool) -> tuple[list, list[str], int]:
    read = read_bookings(folder, CleanBookings(legs, rules) if proof else None)
    valid = solve_cli._vet_bookings(read, legs, rules)
    _, lines = solve_cli.rejection_report(read)
    return valid, lines, sum(read.proven)


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
            mixed.append(lines[3])  # a record locator again, far from the first: both in clean blocks
    (tmp_path / "bookings.jsonl").write_text("\n".join(mixed))
    monkeypatch.setattr(scenario, "_BLOCK_BYTES", 4096)  # many blocks, clean ones and dirty ones
    for rules in (DEFAULT_RULES, BookingRules(max_party=2)):
        reference, reference_lines, _ = _vetted(tmp_path, legs, rules, proof=False)
        valid, rejections, proven = _vetted(tmp_path, legs, rules, proof=True)
        assert valid == reference
        assert rejections == reference_lines
        if rules == DEFAULT_RULES:
            assert len(reference) > proven > len(reference) // 2  # most blocks proved, some not
        assert any("repeats bookings[4]" in line for line in rejections)  # lines[3], after bad[0]
        # The reversed itinerary passes the rules (solve takes it) but not the proof.
        assert len(reference_lines) > 20


def test_solve_scenario_reads_bookings_with_the_proof(tmp_path, monkeypatch) -> None:
    write_generated(tmp_path, seed=2, size="small")
    proofs = []
    real = solve_cli.read_bookings

    def spy(folder: Path, clean=None):
        proofs.append(clean)
        return real(folder, clean)

    monkeypatch.setattr(solve_cli, "read_bookings", spy)
    summary, _ = solve_cli.solve_scenario(tmp_path, "greedy", None)
    assert [type(p) for p in proofs] == [CleanBookings]
    assert summary["bookings"] > 0

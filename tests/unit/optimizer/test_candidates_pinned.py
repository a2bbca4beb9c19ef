"""Candidate generation is pinned (issue 18.2): speeding it up must not change one candidate.

Every option the builder makes on small hub meltdowns of several families — the K best per
booking, the alternatives that leave earlier, the next available flight, further candidates
against a tighter availability, split parties and incumbents — is rendered in full (segments,
times, cost, entitlements, airport changes, flags) and hashed.  The hashes were taken before
the candidate search was optimised; a change of any field, order or float changes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest

from rebook.optimizer.core import CandidateBuilder, OptimizerSettings, find_affected, seat_availability
from rebook.optimizer.core.rebook import predicted_unusable
from rebook.tooling.bench import optimizer as bench

# family → (passengers, SHA-256 of every rendered option)
PINNED = {
    "meltdown": (400, "c2e4e5ffbdbbe77684f661934e1876e5c0dffbf01f5ad0e4daa172558e9d07e9"),
    "two-stop": (400, "3d70594d0bb475a1c9e85f40af8a6b130dffdb969243035c0a8da7c57acd53cc"),
    "mixed-cabins": (300, "1e5da8ae6c30bcdc5343f49c2f3e5e8f507f060ab07c372a9973c05a3f5d83e4"),
    "large-parties": (300, "74ca54f8d749159f3c5082f613fdb2898350d7409a0304fdd51ed6e955466ff2"),
    "eu261": (300, "d55f6e61ebe1b21b859b0f07cdc5c026c9f7ea486c611a92fa25e8e30db97abf"),
}


def _render(candidate) -> str:
    return repr(candidate)  # a frozen dataclass: every field, floats to the last bit


def _options(family: str, passengers: int) -> list[str]:
    kind = bench.FAMILIES[family]
    flights, bookings, disruptions = bench.generate_hub_meltdown(passengers, 7, kind)
    now = bench.storm_now(kind)
    carrier = next(iter(flights.values())).carrier
    # Interline and a rotation risk exercise the cost terms beyond the plain ones.
    settings = OptimizerSettings(interline={carrier: frozenset({"ZZ"})})
    affected = find_affected(flights, bookings, disruptions, OptimizerSettings(), now)
    # Every third party could make an earlier flight: the early window widens the enumeration.
    affected = [
        replace(a, early_ready=a.ready - timedelta(hours=3)) if i % 3 == 0 else a for i, a in enumerate(affected)
    ]
    avail = seat_availability(flights, affected, {})
    causes = {lid: d.cause for d in disruptions for lid in d.leg_ids}
    at_risk = sorted(flights)[::50]
    builder = CandidateBuilder(flights, avail, settings, now, predicted_unusable(disruptions), causes, at_risk)
    built = builder.build(affected)
    tight = {key: seats // 2 for key, seats in avail.items()}
    lines = [f"itineraries {builder.itineraries}"]
    for a in affected:
        locator = a.booking.record_locator
        lines += [f"{locator} best {_render(c)}" for c in built[locator]]
        lines += [f"{locator} earlier {_render(c)}" for c in builder.earlier(a, tight)]
        lines.append(f"{locator} next {_render(builder.next_available(a, tight))}")
        lines += [f"{locator} split {n} {_render(c)}" for n, c in builder.split(a, tight, 3)]
        if built[locator]:
            held = built[locator][-1].segments
            lines.append(f"{locator} incumbent {_render(builder.incumbent(a, held))}")
        lines.append(f"{locator} no-option {builder.no_option(a)!r}")
    for locator, extra in sorted(builder.more(affected, built, tight).items()):
        lines += [f"{locator} more {_render(c)}" for c in extra]
    return lines


@pytest.mark.parametrize("family", sorted(PINNED))
def test_candidates_are_pinned(family: str) -> None:
    passengers, digest = PINNED[family]
    lines = _options(family, passengers)
    assert len(lines) > 200  # the instance really has options to pin
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == digest

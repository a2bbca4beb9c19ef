"""The cost model in money: regimes, compensation bands and windows, care, refunds."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebook.domain.model import Cabin
from rebook.optimizer.core import costs
from rebook.optimizer.core.cost_settings import CostSettings, costs_from_mapping
from rebook.optimizer.core.costs import Kind, LegChoice
from rebook.optimizer.core.regions import Regime, distance_km

C = CostSettings()
MIN = 60  # minutes in an hour


def journey(
    origin: str,
    dest: str,
    carrier: str = "RB",
    kind: Kind = Kind.CANCELLATION,
    cause: str = "technical",
    party: int = 1,
    booked: Cabin = Cabin.ECONOMY,
    c: CostSettings = C,
) -> costs.Journey:
    return costs.journey_of(origin, dest, carrier, kind, cause, party, float(party), booked, 1, c)


def epoch_min(when: datetime) -> int:
    return int(when.timestamp() // 60)


@pytest.mark.parametrize(
    ("origin", "dest", "carrier", "regime", "dot"),
    [
        ("FRA", "JFK", "UA", Regime.EU261, True),  # departing the EU: EU261, whoever flies
        ("JFK", "FRA", "LH", Regime.EU261, True),  # into the EU on an EU carrier
        ("JFK", "FRA", "UA", Regime.NONE, True),  # into the EU on a US carrier: only DOT
        ("LHR", "DEN", "UA", Regime.UK261, True),
        ("DEN", "ORD", "UA", Regime.NONE, True),
        ("NRT", "SIN", "SQ", Regime.NONE, False),
    ],
)
def test_regime_by_departure_and_carrier(origin, dest, carrier, regime, dot) -> None:
    j = journey(origin, dest, carrier)
    assert (j.regime, j.dot) == (regime, dot)


def test_eu261_bands_reduction_window_and_cancellation_reroute() -> None:
    short, medium, long = journey("FRA", "CDG"), journey("FRA", "LIS"), journey("FRA", "JFK")
    assert (short.band, medium.band, long.band) == (0, 1, 2)
    assert costs.compensation(short, 1.5 * MIN)[0] == 0  # re-routed within 2 h: art. 5(1)(c)(iii)
    assert costs.compensation(short, 2 * MIN)[0] == 125  # within the 2 h window: halved
    assert costs.compensation(short, 2 * MIN + 1)[0] == 250
    assert costs.compensation(medium, 3 * MIN)[0] == 200 and costs.compensation(medium, 3.5 * MIN)[0] == 400
    assert costs.compensation(long, 4 * MIN)[0] == 300 and costs.compensation(long, 5 * MIN)[0] == 600
    assert costs.compensation(long, None)[:2] == (600, "EUR")


def test_delay_threshold_is_three_hours() -> None:
    j = journey("FRA", "LIS", kind=Kind.DELAY)
    assert costs.compensation(j, 2 * MIN + 55)[0] == 0
    assert costs.compensation(j, 3 * MIN + 5)[0] == 400


def test_extraordinary_cause_owes_no_compensation_but_care() -> None:
    j = journey("FRA", "MAD", cause="WX ground stop FRA")
    assert j.extraordinary and costs.compensation(j, 10 * MIN)[0] == 0
    owed = costs.entitlements(j, 5 * MIN, [LegChoice("FRA", "MAD", Cabin.ECONOMY)], [], False)
    assert owed.meals == 1 and owed.care == C.meal  # care is owed whatever the cause


def test_uk261_in_pounds_converted_to_the_carriers_currency() -> None:
    j = journey("LHR", "DEN", carrier="BA", c=replace(C, currency="GBP"))
    amount, currency, _ = costs.compensation(j, 6 * MIN)
    owed = costs.entitlements(j, 6 * MIN, [LegChoice("LHR", "DEN", Cabin.ECONOMY)], [], False)
    assert (amount, currency) == (520, "GBP") and owed.compensation_in(j.costs) == 520


def test_overnight_wait_needs_a_hotel_in_local_time() -> None:
    # Denver is UTC-7 in November: 20:00 → 08:00 local spans 01:00, 20:00 → 23:00 does not.
    evening = epoch_min(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    assert costs.overnights([("DEN", evening, evening + 12 * MIN)], 1) == 1
    assert costs.overnights([("DEN", evening, evening + 3 * MIN)], 1) == 0


def test_downgrade_refund_share_by_leg_distance() -> None:
    j = journey("FRA", "JFK", booked=Cabin.BUSINESS)
    owed = costs.entitlements(j, 0, [LegChoice("FRA", "JFK", Cabin.ECONOMY)], [], False)
    km = distance_km("FRA", "JFK")
    assert owed.downgrade_refund == pytest.approx(0.75 * C.fare(km, Cabin.BUSINESS))


def test_dot_refund_right_on_significant_change_only() -> None:
    j = journey("DEN", "ORD", carrier="UA", kind=Kind.DELAY)
    legs = [LegChoice("DEN", "ORD", Cabin.ECONOMY)]
    assert not costs.entitlements(j, 2 * MIN, legs, [], False).refund_right
    late = costs.entitlements(j, 3 * MIN, legs, [], False)
    assert late.refund_right and late.refund == j.fare
    cost = costs.option_cost(C, 1.0, 1, 3 * MIN, late, False)
    assert cost == pytest.approx(3 * C.value_of_time_per_hour + C.meal + C.dot_decline_share * j.fare)


def test_no_seat_costs_more_than_any_option_within_the_horizon() -> None:
    j = journey("FRA", "JFK", party=2)
    worst = costs.entitlements(j, 72 * MIN, [LegChoice("FRA", "JFK", Cabin.ECONOMY)], [("FRA", 0, 72 * MIN)], True)
    option = costs.option_cost(C, 2.0, 2, 72 * MIN, worst, True)
    assert costs.no_seat_cost(C, 2.0, 2, costs.no_seat(j)) > option


def test_a_carrier_overrides_the_defaults_in_one_place() -> None:
    default, carriers = costs_from_mapping(
        {
            "default": {"value_of_time_per_hour": 40, "eu261_eur": [250, 400, 600]},
            "carriers": {"BA": {"currency": "GBP", "home_region": "UK", "cabin_fare_factor": {"BUSINESS": 4}}},
        }
    )
    assert default.value_of_time_per_hour == 40.0 and carriers["BA"].value_of_time_per_hour == 40.0
    assert carriers["BA"].currency == "GBP" and carriers["BA"].cabin_fare_factor[Cabin.BUSINESS] == 4.0
    assert carriers["BA"].cabin_fare_factor[Cabin.ECONOMY] == 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"default": {"vot": 1}}, "default.vot: unknown cost setting"),
        ({"carriers": {"LH": {"eu261_eur": [1, 2]}}}, "carriers.LH.eu261_eur"),
        ({"default": {"currency": 3}}, "default.currency"),
        ({"default": {"cabin_fare_factor": {"COACH": 1}}}, "keys must be cabins"),
        ({"defaults": {}}, "unknown section 'defaults'"),
    ],
)
def test_bad_cost_settings_name_the_field(data, message) -> None:
    with pytest.raises(ValueError, match=message):
        costs_from_mapping(data)


def test_the_explanation_clause_says_what_is_owed() -> None:
    j = journey("FRA", "JFK", carrier="LH")
    owed = costs.entitlements(j, 6 * MIN, [LegChoice("FRA", "JFK", Cabin.ECONOMY)], [], False)
    assert (
        costs.owed_clause(owed)
        == " You are owed €600 compensation (EU261) and meals each; you may decline this change for a €"
        + f"{j.fare:,.0f} refund (US DOT)."
    )
    none = costs.entitlements(journey("NRT", "SIN", "SQ"), 30, [LegChoice("NRT", "SIN", Cabin.ECONOMY)], [], False)
    assert costs.owed_clause(none) == ""


def test_entitlements_survive_the_offer_protobuf() -> None:
    from rebook.optimizer.convert import entitlements_from_proto, entitlements_to_proto

    j = journey("LHR", "DEN", carrier="BA", kind=Kind.DENIED_BOARDING, c=replace(C, currency="GBP"))
    owed = costs.entitlements(j, 8 * MIN, [LegChoice("LHR", "DEN", Cabin.ECONOMY)], [], True)
    back = entitlements_from_proto(entitlements_to_proto(owed))
    assert back.compensation == 520 and back.compensation_currency == "GBP" and back.refund_right
    assert costs.option_cost(j.costs, 1.0, 1, 8 * MIN, back, True) == pytest.approx(
        costs.option_cost(j.costs, 1.0, 1, 8 * MIN, owed, True), abs=0.01
    )


# --- the price without the entitlements (the candidate search, issue 18) -------------------

_ROUTES = (
    ("FRA", "JFK", "LH"),
    ("JFK", "FRA", "UA"),
    ("LHR", "DEN", "BA"),
    ("DEN", "ORD", "UA"),
    ("MUC", "FRA", "LH"),
    ("NRT", "SIN", "SQ"),
    ("BOS", "LHR", "AA"),
)


@st.composite
def _options(draw):
    origin, dest, carrier = draw(st.sampled_from(_ROUTES))
    kind = draw(st.sampled_from(list(Kind)))
    cause = draw(st.sampled_from(["technical", "thunderstorms", "crew"]))
    party = draw(st.integers(1, 6))
    booked = draw(st.sampled_from(list(Cabin)))
    j = costs.journey_of(
        origin, dest, carrier, kind, cause, party, party * draw(st.floats(0.5, 3.0)), booked, draw(st.integers(1, 3)), C
    )
    stops = draw(st.lists(st.sampled_from(["FRA", "JFK", "ORD", "LHR"]), max_size=2))
    airports = [origin, *stops, dest]
    legs = [LegChoice(a, b, draw(st.sampled_from(list(Cabin)))) for a, b in itertools.pairwise(airports)]
    return j, legs, draw(st.integers(0, 3)), draw(st.booleans())


@given(_options(), st.integers(0, 3000), st.integers(0, 3000))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_the_price_alone_is_the_price_of_the_entitlements(option, delay, later) -> None:
    j, legs, nights, changed = option
    weight = j.weight
    owed = costs.entitlements_for_nights(j, delay, legs, nights, changed)
    price = costs.option_cost_for_nights(j, weight, j.party, delay, legs, nights, changed)
    assert price == costs.option_cost(j.costs, weight, j.party, delay, owed, changed)  # to the last bit
    # The candidate search stops scanning once this floor passes the K-th best: it must be a
    # floor (nothing an option adds is negative) and never fall as the delay grows.
    floor = costs.option_cost_for_nights(j, weight, j.party, delay, (), 0, False)
    assert floor <= price
    assert floor <= costs.option_cost_for_nights(j, weight, j.party, delay + later, (), 0, False)

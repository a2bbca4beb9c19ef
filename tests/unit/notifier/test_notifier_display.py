from __future__ import annotations

import pytest

from rebook.domain.convert import to_timestamp
from rebook.notifier.core.display import Answer, awaits_answer, format_offer, format_segment, parse_answer
from rebook.v1 import flight_pb2, offer_pb2
from tests.unit.flightops.flightops_helpers import t
from tests.unit.notifier.notifier_helpers import make_offer


def test_offer_shows_old_and_new_itinerary_why_and_choices() -> None:
    text = format_offer(make_offer())
    assert text.splitlines()[0] == "Disruption on booking ABC123 — offer off-1 v1: waiting for your answer"
    assert "Why: RB100 is cancelled; RB101 is the next flight with seats in your cabin." in text
    original = "        RB100   FRA Mon 23 Nov 13:00 CET → JFK Mon 23 Nov 15:30 EST  (economy)"
    assert "Your original itinerary:\n" + original in text
    assert "  [1] Our pick: arrives Mon 23 Nov 18:30 EST, 3h15 later, seats held for you" in text
    assert "        RB101   FRA Mon 23 Nov 16:00 CET → JFK Mon 23 Nov 18:30 EST  (economy)" in text
    assert "  [2] Alternative: arrives Mon 23 Nov 19:00 EST, 4h00 later, other airport" in text
    assert "  [3] Refund the unused part of your ticket" in text
    assert text.endswith("Please answer before Mon 23 Nov 14:00Z.")


def test_answered_and_predicted_offers() -> None:
    offer = make_offer()
    offer.status = offer_pb2.OFFER_STATUS_ACCEPTED
    offer.chosen_option_id = "opt-2"
    offer.predicted = True
    text = format_offer(offer)
    assert text.startswith("Expected disruption on booking ABC123 — offer off-1 v1: accepted")
    assert "You chose: opt-2" in text and "Please answer" not in text
    assert not awaits_answer(offer) and awaits_answer(make_offer())


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("a", Answer(offer_pb2.RESPONSE_KIND_ACCEPT)),
        (" Accept ", Answer(offer_pb2.RESPONSE_KIND_ACCEPT)),
        ("r", Answer(offer_pb2.RESPONSE_KIND_REFUND)),
        ("s 2", Answer(offer_pb2.RESPONSE_KIND_SWITCH, "opt-2")),
        ("s 1", Answer(offer_pb2.RESPONSE_KIND_ACCEPT)),
        ("switch 3", Answer(offer_pb2.RESPONSE_KIND_REFUND)),
        ("q", None),
        ("", None),
    ],
)
def test_parse_answer(typed: str, answer: Answer | None) -> None:
    assert parse_answer(typed, make_offer()) == answer


@pytest.mark.parametrize("typed", ["s", "s 0", "s 4", "s x", "maybe", "a now"])
def test_unclear_answers_give_a_hint(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_answer(typed, make_offer())


def test_agent_option_cannot_be_chosen_here() -> None:
    offer = make_offer()
    offer.options.add(option_id="agent", kind=offer_pb2.OPTION_KIND_AGENT)
    assert "[4] Talk to an agent" in format_offer(offer)
    with pytest.raises(ValueError, match="agent"):
        parse_answer("s 4", offer)


def test_entitlements_are_shown_per_option() -> None:
    offer = make_offer()
    offer.options[0].entitlements.CopyFrom(
        offer_pb2.Entitlements(
            regime="EU261",
            compensation=offer_pb2.Money(currency_code="EUR", minor_units=60000),
            compensation_reason="cancellation, arriving 3.2 h late",
            meals=1,
            hotel_nights=1,
            refund_right=True,
            refund=offer_pb2.Money(currency_code="EUR", minor_units=94000),
        )
    )
    offer.options[2].entitlements.CopyFrom(
        offer_pb2.Entitlements(refund=offer_pb2.Money(currency_code="USD", minor_units=23000))
    )
    text = format_offer(offer)
    assert (
        "        You are owed, each: €600 compensation (EU261: cancellation, arriving 3.2 h late), 1 meal, "
        "1 hotel night with transfer\n        You may decline this change for a full refund of €940 (US DOT)"
    ) in text
    assert "  [3] Refund the unused part of your ticket\n        You are owed, each: $230 refund" in text
    assert text.count("You are owed") == 2  # the alternative carries none


def test_a_split_groups_sub_groups_are_all_the_pick() -> None:
    """Issue 14.7: one offer per booking; a split group's primary is one held option per
    sub-group, and choosing any of them accepts the split."""
    offer = make_offer()
    offer.options[0].passenger_ids.extend(["p1", "p2"])
    offer.options[1].passenger_ids.append("p3")
    offer.options[1].held = True
    text = format_offer(offer)
    assert "  [1] Our pick: arrives Mon 23 Nov 18:30 EST, 3h15 later, for 2 of your group, seats held" in text
    assert "  [2] Our pick: arrives Mon 23 Nov 19:00 EST, 4h00 later, for 1 of your group, seats held" in text
    assert parse_answer("s 2", offer) == Answer(offer_pb2.RESPONSE_KIND_ACCEPT)


def test_a_train_to_a_station_the_airport_table_lacks_shows_as_a_train_on_its_clock() -> None:
    """Issue 14.8: a surface leg offered is shown as such, at the station's time from the offer."""
    train = offer_pb2.ItinerarySegment(
        leg_id="RB9001-2026-11-23-BRU",
        carrier="RB",
        flight_number="9001",
        origin="BRU",
        destination="ZYR",
        departure_time=to_timestamp(t(12)),
        arrival_time=to_timestamp(t(12, 20)),
        cabin=1,
        leg_type=flight_pb2.LEG_TYPE_RAIL,
        destination_time_zone="Europe/Brussels",
    )
    assert format_segment(train) == "RB9001  BRU Mon 23 Nov 13:00 CET → ZYR Mon 23 Nov 13:20 CET  (by train)"

from dataclasses import replace
from datetime import timedelta

from rebook.domain.model import Cabin, Disruption, DisruptionKind, FlightStatus, SpecialService, Tier
from rebook.optimizer.core import OptimizerSettings, Reason, find_affected

from .conftest import T0, booking, index, leg

S = OptimizerSettings()
NOW = T0


def disruption(kind: DisruptionKind, *legs) -> Disruption:
    return Disruption(f"{kind.name}:x", 1, kind, "RB", tuple(g.leg_id for g in legs), NOW)


def test_cancelled_first_leg_rebooks_from_origin() -> None:
    a = leg(1, "FRA", "DEN", 60)
    b = booking("AAA", (a,))
    out = find_affected(
        index(replace(a, status=FlightStatus.CANCELLED)), [b], [disruption(DisruptionKind.CANCELLATION, a)], S, NOW
    )
    [hit] = out
    # Ready when booked to leave (issue 14.2), not the moment the cancellation is known.
    assert (hit.reason, hit.at_airport, hit.destination, hit.ready) == (Reason.CANCELLED, "FRA", "DEN", a.departure)
    assert hit.released == b.segments


def test_cancelled_second_leg_rebooks_from_connection_after_mct() -> None:
    a, c = leg(1, "FRA", "DEN", 60), leg(2, "DEN", "SFO", 200)
    b = booking("AAA", (a, c))
    [hit] = find_affected(
        index(a, replace(c, status=FlightStatus.CANCELLED)), [b], [disruption(DisruptionKind.CANCELLATION, c)], S, NOW
    )
    assert hit.at_airport == "DEN" and hit.ready == a.arrival + S.default_mct
    assert hit.kept == b.segments[:1] and hit.released == b.segments[1:]


def test_delay_breaking_connection_vs_delay_breaking_nothing() -> None:
    a, c = leg(1, "FRA", "DEN", 60), leg(2, "DEN", "SFO", 240)  # 90 min to connect
    b = booking("AAA", (a, c))
    late = replace(a, status=FlightStatus.DELAYED, estimated_arrival=a.arrival + timedelta(minutes=30))
    assert find_affected(index(late, c), [b], [disruption(DisruptionKind.DELAY, a)], S, NOW) == []
    later = replace(a, status=FlightStatus.DELAYED, estimated_arrival=a.arrival + timedelta(minutes=60))
    [hit] = find_affected(index(later, c), [b], [disruption(DisruptionKind.DELAY, a)], S, NOW)
    assert hit.reason == Reason.MISCONNECTION and hit.at_airport == "FRA"  # feeder not flown: from the origin
    flown = replace(later, actual_off_block=later.departure)
    [hit] = find_affected(index(flown, c), [b], [disruption(DisruptionKind.DELAY, a)], S, NOW)
    assert hit.reason == Reason.MISCONNECTION and hit.at_airport == "DEN"


def test_reduced_mobility_needs_longer_connection() -> None:
    a, c = leg(1, "FRA", "DEN", 60), leg(2, "DEN", "SFO", 240)
    late = replace(a, status=FlightStatus.DELAYED, estimated_arrival=a.arrival + timedelta(minutes=30))
    walk = booking("WALK", (a, c))
    chair = booking("CHAIR", (a, c), special_services=frozenset({SpecialService.WHEELCHAIR}))
    out = find_affected(index(late, c), [walk, chair], [disruption(DisruptionKind.DELAY, a)], S, NOW)
    assert [h.booking.record_locator for h in out] == ["CHAIR"]  # 60 min < 45 + 30


def test_downgauge_moves_lowest_priority_whole_bookings_only_as_needed() -> None:
    a = leg(1, "DEN", "SFO", 120, seats={Cabin.ECONOMY: 7}, sold={Cabin.ECONOMY: 10})
    gold = booking("GOLD", (a,), party=3, tier=Tier.GOLD)
    pair = booking("PAIR", (a,), party=2)
    solo = booking("SOLO", (a,), party=1)
    plat = booking("PLAT", (a,), party=4, tier=Tier.PLATINUM)
    out = find_affected(index(a), [gold, pair, solo, plat], [disruption(DisruptionKind.DOWNGAUGE, a)], S, NOW)
    assert {h.booking.record_locator for h in out} == {"PAIR", "SOLO"}  # 3 basic seats, no gold moved
    assert all(h.reason == Reason.DOWNGAUGE and h.released == h.booking.segments for h in out)


def test_diversion_after_departure_reroutes_from_diversion_airport() -> None:
    a, c = leg(1, "FRA", "DEN", -60), leg(2, "DEN", "SFO", 200)
    flown = replace(
        a,
        status=FlightStatus.DIVERTED,
        diverted_to="COS",
        actual_off_block=a.departure,
        estimated_arrival=a.arrival + timedelta(minutes=20),
    )
    b = booking("AAA", (a, c))
    [hit] = find_affected(index(flown, c), [b], [disruption(DisruptionKind.DIVERSION, a)], S, NOW)
    assert (hit.reason, hit.at_airport, hit.released) == (Reason.DIVERSION, "COS", b.segments[1:])


def test_diversion_before_departure_is_like_cancellation() -> None:
    a = leg(1, "FRA", "DEN", 60)
    b = booking("AAA", (a,))
    diverted = replace(a, status=FlightStatus.DIVERTED, diverted_to="COS")
    [hit] = find_affected(index(diverted), [b], [disruption(DisruptionKind.DIVERSION, a)], S, NOW)
    assert (hit.at_airport, hit.released) == ("FRA", b.segments)


def test_withdrawn_disruption_affects_no_one() -> None:
    a = leg(1, "FRA", "DEN", 60)
    gone = replace(disruption(DisruptionKind.CANCELLATION, a), withdrawn=True)
    assert find_affected(index(replace(a, status=FlightStatus.CANCELLED)), [booking("A", (a,))], [gone], S, NOW) == []


def test_business_booking_keeps_its_cabin() -> None:
    a = leg(1, "FRA", "DEN", 60, seats={Cabin.BUSINESS: 4, Cabin.ECONOMY: 10})
    b = booking("AAA", (a,), cabin=Cabin.BUSINESS)
    [hit] = find_affected(
        index(replace(a, status=FlightStatus.CANCELLED)), [b], [disruption(DisruptionKind.CANCELLATION, a)], S, NOW
    )
    assert hit.cabin == Cabin.BUSINESS


def test_a_missed_connection_is_missed_whenever_the_news_arrives() -> None:
    """Issue 14.11: the live services may hear of a late feeder only after the onward flight
    left; ``rebook solve`` sees the day's times at once, with legs that leave after its moment
    still on the ground.  Both must affect the booking, from where the party stood when its
    news arrived (the feeder had flown: from the connecting airport, not the origin)."""
    a, c = leg(1, "SFO", "DEN", -240, 150), leg(2, "DEN", "ORD", -50)  # 40 min to connect
    b = booking("AAA", (a, c))
    late = timedelta(minutes=10)
    # Live: both legs have flown, the feeder arrived 10 min late, the onward left on time.
    flown = replace(a, actual_off_block=a.departure, actual_in_block=a.arrival + late)
    gone = replace(c, actual_off_block=c.departure)
    delay = disruption(DisruptionKind.DELAY, a)
    [hit] = find_affected(index(flown, gone), [b], [delay], S, NOW)
    assert (hit.reason, hit.at_airport, hit.released) == (Reason.MISCONNECTION, "DEN", b.segments[1:])
    # One shot, planned hours earlier: the same times, no movement yet, the news known at NOW.
    earlier = NOW - timedelta(hours=6)
    ahead = replace(a, status=FlightStatus.DELAYED, estimated_departure=a.departure, estimated_arrival=a.arrival + late)
    [hit] = find_affected(index(ahead, c), [b], [delay], S, earlier)
    assert (hit.reason, hit.at_airport, hit.released) == (Reason.MISCONNECTION, "DEN", b.segments[1:])
    assert hit.ready >= NOW  # not before its news
    # Known before the feeder left, the connection is reconsidered from the origin.
    early_news = replace(delay, known_time=a.departure - timedelta(hours=2))
    [hit] = find_affected(index(ahead, c), [b], [early_news], S, earlier)
    assert hit.at_airport == "SFO" and hit.released == b.segments

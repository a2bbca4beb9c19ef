"""What the optimizer knows, transport-free: the views ``RebookingEngine`` decides on.

``EngineViews`` holds the flights, bookings, proximity, disruptions and offers (with their
seat holds) as the topics and the gRPC writes deliver them, vets booking writes, and answers
the reads.  One re-entrant lock serialises every write; ``engine.RebookingEngine`` adds the
decisions under the same lock.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from rebook.domain.batch import Rejected, all_violations
from rebook.domain.bookings import DEFAULT_RULES, BookingRules, check_booking
from rebook.domain.errors import DomainError, FieldViolation, NotFoundError, ValidationError
from rebook.domain.model import Booking, Cabin, Disruption, FlightLeg, Proximity
from rebook.optimizer.offers import HOLDING, SETTLED_WITHOUT_SEAT, Offer, OfferStatus, effective_segments


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one bulk booking write did."""

    stored: list[Booking]  # new or newer versions, published and stored
    unchanged: int  # valid, but the same or a newer version is stored
    rejected: list[Rejected]  # by request position


class EngineViews:
    """The optimizer's views.  Every public method is thread-safe."""

    def __init__(self, booking_rules: BookingRules = DEFAULT_RULES) -> None:
        self.booking_rules = booking_rules
        self._lock = threading.RLock()
        self.flights: dict[str, FlightLeg] = {}
        self.bookings: dict[str, Booking] = {}
        self.proximity: dict[str, Proximity] = {}
        self.disruptions: dict[str, Disruption] = {}
        self.offers: dict[str, Offer] = {}
        self._latest_offer: dict[str, str] = {}  # record locator → newest offer id
        self._handled: dict[str, int] = {}  # disruption id → newest version acted on

    # --- views -----------------------------------------------------------------------------

    def apply_flight(self, leg: FlightLeg) -> None:
        with self._lock:
            current = self.flights.get(leg.leg_id)
            if current is None or leg.version >= current.version:
                self.flights[leg.leg_id] = leg

    def apply_booking(self, booking: Booking) -> bool:
        """Stores a newer version; True when it changed anything."""
        with self._lock:
            current = self.bookings.get(booking.record_locator)
            if current is not None and current.version >= booking.version:
                return False
            self.bookings[booking.record_locator] = booking
            return True

    def forget_booking(self, record_locator: str) -> None:
        with self._lock:
            self.bookings.pop(record_locator, None)

    def apply_proximity(self, passenger_id: str, proximity: Proximity | None) -> None:
        with self._lock:
            if proximity is None:
                self.proximity.pop(passenger_id, None)
            else:
                self.proximity[passenger_id] = proximity

    def apply_offer(self, offer: Offer) -> None:
        """An offer version seen on the topic (ours or another instance's): newest wins.

        Seeing an offer does not mark its disruption as handled: a batch may have been cut
        short by a crash after some of its offers were published.  Whether a disruption is
        done is the disruption consumer's committed offset; a re-delivered one is planned again
        with the offers already out (same ids, unchanged proposals are not re-sent)."""
        with self._lock:
            self._store(offer)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """All or nothing: when the block raises (e.g. Kafka did not acknowledge the offers),
        the decisions made in it are undone, so a retry plans the batch again."""
        with self._lock:
            saved = (dict(self.disruptions), dict(self.offers), dict(self._latest_offer), dict(self._handled))
            try:
                yield
            except BaseException:
                self.disruptions, self.offers, self._latest_offer, self._handled = saved
                raise

    def _store(self, offer: Offer) -> None:
        current = self.offers.get(offer.offer_id)
        if current is not None and current.version >= offer.version:
            return
        self.offers[offer.offer_id] = offer
        newest = self.offers.get(self._latest_offer.get(offer.record_locator, ""))
        if newest is None or newest.offer_id == offer.offer_id or newest.create_time <= offer.create_time:
            self._latest_offer[offer.record_locator] = offer.offer_id

    def upsert_bookings(
        self,
        bookings: Sequence[Booking],
        publish: Callable[[list[Booking]], None] = lambda _: None,
        *,
        atomic: bool = False,
        indexes: Sequence[int] | None = None,
        refused: Sequence[Rejected] = (),
    ) -> UpsertResult:
        """Checks each booking (``rebook.domain.bookings``: its shape, and its legs and cabins
        against the flights this engine knows), publishes the valid newer ones (``publish``
        returns once Kafka acknowledged them, or raises) and only then stores them: a failed
        write changes nothing, so its retry publishes.

        ``indexes[i]`` is the request position of ``bookings[i]`` (default: ``i``); ``refused``
        are items the caller already refused (e.g. undecodable).  ``atomic``: any refusal
        raises one ``ValidationError`` with every violation and nothing is written."""
        positions = list(indexes) if indexes is not None else list(range(len(bookings)))
        with self._lock:
            valid, rejected = self._vet(bookings, positions)
            rejected = sorted([*refused, *rejected], key=lambda r: r.index)
            if atomic and rejected:
                raise ValidationError(all_violations(rejected))
            newer = [b for b in valid if self._is_newer(b)]
            publish(newer)
            for booking in newer:
                self.apply_booking(booking)
        return UpsertResult(newer, len(valid) - len(newer), rejected)

    def names_unknown_legs(self, bookings: Iterable[Booking]) -> bool:
        """True when a segment names a leg this engine's flights view does not hold (yet)."""
        with self._lock:
            return any(s.leg_id and s.leg_id not in self.flights for b in bookings for s in b.segments)

    def _vet(self, bookings: Sequence[Booking], positions: Sequence[int]) -> tuple[list[Booking], list[Rejected]]:
        valid: list[Booking] = []
        rejected: list[Rejected] = []
        first: dict[str, int] = {}
        for booking, index in zip(bookings, positions, strict=True):
            field = f"bookings[{index}]."
            try:
                check_booking(booking, self.flights, field, self.booking_rules)
                if booking.record_locator in first:
                    raise ValidationError(
                        [FieldViolation(f"{field}record_locator", f"repeats bookings[{first[booking.record_locator]}]")]
                    )
            except DomainError as error:
                rejected.append(Rejected(index, booking.record_locator, error))
                continue
            first[booking.record_locator] = index
            valid.append(booking)
        return valid, rejected

    def _is_newer(self, booking: Booking) -> bool:
        current = self.bookings.get(booking.record_locator)
        return current is None or booking.version > current.version

    # --- reads -----------------------------------------------------------------------------

    def holds_in_use(self, excluding: Collection[str] = ()) -> dict[tuple[str, Cabin], int]:
        """Seats held per (leg, cabin), leaving out the latest offers of bookings in ``excluding``."""
        with self._lock:
            held: dict[tuple[str, Cabin], int] = defaultdict(int)
            skip = {self._latest_offer[k] for k in excluding if k in self._latest_offer}
            for offer in self.offers.values():
                if offer.status in HOLDING and offer.offer_id not in skip:
                    for hold in offer.holds:
                        held[(hold.leg_id, hold.cabin)] += hold.seats
            return dict(held)

    def get_offer(self, offer_id: str = "", record_locator: str = "") -> Offer:
        with self._lock:
            offer_id = offer_id or self._latest_offer.get(record_locator, "")
            offer = self.offers.get(offer_id)
        if offer is None:
            field = "offer_id" if offer_id else "record_locator"
            raise NotFoundError("no such offer", field=field)
        return offer

    def current_offers(self) -> list[Offer]:
        """Each booking's newest offer, unless it was superseded or withdrawn (by record locator)."""
        with self._lock:
            latest = [self.offers[i] for _, i in sorted(self._latest_offer.items())]
        return [o for o in latest if o.status not in (OfferStatus.SUPERSEDED, OfferStatus.WITHDRAWN)]

    def offers_for_leg(self, leg_id: str) -> list[Offer]:
        with self._lock:
            latest = [self.offers[o] for o in self._latest_offer.values()]
        return sorted(
            (
                o
                for o in latest
                if any(s.leg_id == leg_id for s in o.original_segments)
                or any(s.leg_id == leg_id for opt in o.options for s in opt.segments)
            ),
            key=lambda o: o.offer_id,
        )

    def _effective_bookings(self, skip_final: bool = False) -> list[Booking]:
        """Bookings as they stand (held or accepted options replace the disrupted part);
        ``skip_final`` leaves out those whose party has no seat to keep (refunded, released)."""
        effective = []
        for booking in self.bookings.values():
            offer = self.offers.get(self._latest_offer.get(booking.record_locator, ""))
            if skip_final and offer is not None and offer.status in SETTLED_WITHOUT_SEAT and not offer.holds:
                continue
            if offer is not None and offer.split and offer.holds:
                # A split group keeps its sub-groups' seats and is not planned again: one record
                # cannot say where each sub-group flies, so later changes are the group desk's.
                continue
            segments = effective_segments(booking, offer)
            effective.append(booking if segments == booking.segments else replace(booking, segments=segments))
        return effective

from rebook.v1 import batch_pb2 as _batch_pb2
from rebook.v1 import booking_pb2 as _booking_pb2
from rebook.v1 import event_pb2 as _event_pb2
from rebook.v1 import offer_pb2 as _offer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UpsertBookingsRequest(_message.Message):
    __slots__ = ("bookings", "atomic")
    BOOKINGS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    bookings: _containers.RepeatedCompositeFieldContainer[_booking_pb2.Booking]
    atomic: bool
    def __init__(self, bookings: _Optional[_Iterable[_Union[_booking_pb2.Booking, _Mapping]]] = ..., atomic: bool = ...) -> None: ...

class UpsertBookingsResponse(_message.Message):
    __slots__ = ("upserted_count", "unchanged_count", "rejected", "rejected_count")
    UPSERTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    upserted_count: int
    unchanged_count: int
    rejected: _containers.RepeatedCompositeFieldContainer[_batch_pb2.RejectedItem]
    rejected_count: int
    def __init__(self, upserted_count: _Optional[int] = ..., unchanged_count: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[_batch_pb2.RejectedItem, _Mapping]]] = ..., rejected_count: _Optional[int] = ...) -> None: ...

class RespondToOfferRequest(_message.Message):
    __slots__ = ("response",)
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    response: _offer_pb2.PassengerResponse
    def __init__(self, response: _Optional[_Union[_offer_pb2.PassengerResponse, _Mapping]] = ...) -> None: ...

class RespondToOfferResponse(_message.Message):
    __slots__ = ("offer",)
    OFFER_FIELD_NUMBER: _ClassVar[int]
    offer: _offer_pb2.Offer
    def __init__(self, offer: _Optional[_Union[_offer_pb2.Offer, _Mapping]] = ...) -> None: ...

class GetOfferRequest(_message.Message):
    __slots__ = ("offer_id", "record_locator")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_LOCATOR_FIELD_NUMBER: _ClassVar[int]
    offer_id: str
    record_locator: str
    def __init__(self, offer_id: _Optional[str] = ..., record_locator: _Optional[str] = ...) -> None: ...

class GetOfferResponse(_message.Message):
    __slots__ = ("offer",)
    OFFER_FIELD_NUMBER: _ClassVar[int]
    offer: _offer_pb2.Offer
    def __init__(self, offer: _Optional[_Union[_offer_pb2.Offer, _Mapping]] = ...) -> None: ...

class ListOffersRequest(_message.Message):
    __slots__ = ("leg_id",)
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    leg_id: str
    def __init__(self, leg_id: _Optional[str] = ...) -> None: ...

class ListOffersResponse(_message.Message):
    __slots__ = ("offers",)
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[_offer_pb2.Offer]
    def __init__(self, offers: _Optional[_Iterable[_Union[_offer_pb2.Offer, _Mapping]]] = ...) -> None: ...

class SimulateRequest(_message.Message):
    __slots__ = ("events", "solver")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.FlightEvent]
    solver: str
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.FlightEvent, _Mapping]]] = ..., solver: _Optional[str] = ...) -> None: ...

class SimulateResponse(_message.Message):
    __slots__ = ("offers", "affected_booking_count", "affected_passenger_count", "accommodated_passenger_count", "objective", "lower_bound", "solve_seconds")
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_BOOKING_COUNT_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_PASSENGER_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOMMODATED_PASSENGER_COUNT_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    SOLVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    offers: _containers.RepeatedCompositeFieldContainer[_offer_pb2.Offer]
    affected_booking_count: int
    affected_passenger_count: int
    accommodated_passenger_count: int
    objective: float
    lower_bound: float
    solve_seconds: float
    def __init__(self, offers: _Optional[_Iterable[_Union[_offer_pb2.Offer, _Mapping]]] = ..., affected_booking_count: _Optional[int] = ..., affected_passenger_count: _Optional[int] = ..., accommodated_passenger_count: _Optional[int] = ..., objective: _Optional[float] = ..., lower_bound: _Optional[float] = ..., solve_seconds: _Optional[float] = ...) -> None: ...

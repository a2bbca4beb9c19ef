import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rebook.v1 import flight_pb2 as _flight_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OfferStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFER_STATUS_UNSPECIFIED: _ClassVar[OfferStatus]
    OFFER_STATUS_OPEN: _ClassVar[OfferStatus]
    OFFER_STATUS_ACCEPTED: _ClassVar[OfferStatus]
    OFFER_STATUS_REFUNDED: _ClassVar[OfferStatus]
    OFFER_STATUS_EXPIRED: _ClassVar[OfferStatus]
    OFFER_STATUS_SUPERSEDED: _ClassVar[OfferStatus]
    OFFER_STATUS_UNACCOMMODATED: _ClassVar[OfferStatus]
    OFFER_STATUS_WITHDRAWN: _ClassVar[OfferStatus]
    OFFER_STATUS_PROTECTED: _ClassVar[OfferStatus]

class OptionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPTION_KIND_UNSPECIFIED: _ClassVar[OptionKind]
    OPTION_KIND_REBOOK: _ClassVar[OptionKind]
    OPTION_KIND_REFUND: _ClassVar[OptionKind]
    OPTION_KIND_AGENT: _ClassVar[OptionKind]
    OPTION_KIND_WAITLIST: _ClassVar[OptionKind]

class UnaccommodatedReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNACCOMMODATED_REASON_UNSPECIFIED: _ClassVar[UnaccommodatedReason]
    UNACCOMMODATED_REASON_NO_ROUTE: _ClassVar[UnaccommodatedReason]
    UNACCOMMODATED_REASON_NO_SEAT_WITHIN_HORIZON: _ClassVar[UnaccommodatedReason]

class ResponseKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESPONSE_KIND_UNSPECIFIED: _ClassVar[ResponseKind]
    RESPONSE_KIND_ACCEPT: _ClassVar[ResponseKind]
    RESPONSE_KIND_SWITCH: _ClassVar[ResponseKind]
    RESPONSE_KIND_REFUND: _ClassVar[ResponseKind]
OFFER_STATUS_UNSPECIFIED: OfferStatus
OFFER_STATUS_OPEN: OfferStatus
OFFER_STATUS_ACCEPTED: OfferStatus
OFFER_STATUS_REFUNDED: OfferStatus
OFFER_STATUS_EXPIRED: OfferStatus
OFFER_STATUS_SUPERSEDED: OfferStatus
OFFER_STATUS_UNACCOMMODATED: OfferStatus
OFFER_STATUS_WITHDRAWN: OfferStatus
OFFER_STATUS_PROTECTED: OfferStatus
OPTION_KIND_UNSPECIFIED: OptionKind
OPTION_KIND_REBOOK: OptionKind
OPTION_KIND_REFUND: OptionKind
OPTION_KIND_AGENT: OptionKind
OPTION_KIND_WAITLIST: OptionKind
UNACCOMMODATED_REASON_UNSPECIFIED: UnaccommodatedReason
UNACCOMMODATED_REASON_NO_ROUTE: UnaccommodatedReason
UNACCOMMODATED_REASON_NO_SEAT_WITHIN_HORIZON: UnaccommodatedReason
RESPONSE_KIND_UNSPECIFIED: ResponseKind
RESPONSE_KIND_ACCEPT: ResponseKind
RESPONSE_KIND_SWITCH: ResponseKind
RESPONSE_KIND_REFUND: ResponseKind

class ItinerarySegment(_message.Message):
    __slots__ = ("leg_id", "carrier", "flight_number", "origin", "destination", "departure_time", "arrival_time", "cabin", "leg_type", "origin_time_zone", "destination_time_zone")
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    FLIGHT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    CABIN_FIELD_NUMBER: _ClassVar[int]
    LEG_TYPE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    leg_id: str
    carrier: str
    flight_number: str
    origin: str
    destination: str
    departure_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    cabin: _flight_pb2.Cabin
    leg_type: _flight_pb2.LegType
    origin_time_zone: str
    destination_time_zone: str
    def __init__(self, leg_id: _Optional[str] = ..., carrier: _Optional[str] = ..., flight_number: _Optional[str] = ..., origin: _Optional[str] = ..., destination: _Optional[str] = ..., departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cabin: _Optional[_Union[_flight_pb2.Cabin, str]] = ..., leg_type: _Optional[_Union[_flight_pb2.LegType, str]] = ..., origin_time_zone: _Optional[str] = ..., destination_time_zone: _Optional[str] = ...) -> None: ...

class SeatHold(_message.Message):
    __slots__ = ("leg_id", "cabin", "seats")
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    CABIN_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    leg_id: str
    cabin: _flight_pb2.Cabin
    seats: int
    def __init__(self, leg_id: _Optional[str] = ..., cabin: _Optional[_Union[_flight_pb2.Cabin, str]] = ..., seats: _Optional[int] = ...) -> None: ...

class OfferOption(_message.Message):
    __slots__ = ("option_id", "kind", "segments", "arrival_time", "arrival_delay", "held", "downgrade", "airport_change", "entitlements", "airport_changes", "earlier_than_booked", "interline", "passenger_ids")
    OPTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_DELAY_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    DOWNGRADE_FIELD_NUMBER: _ClassVar[int]
    AIRPORT_CHANGE_FIELD_NUMBER: _ClassVar[int]
    ENTITLEMENTS_FIELD_NUMBER: _ClassVar[int]
    AIRPORT_CHANGES_FIELD_NUMBER: _ClassVar[int]
    EARLIER_THAN_BOOKED_FIELD_NUMBER: _ClassVar[int]
    INTERLINE_FIELD_NUMBER: _ClassVar[int]
    PASSENGER_IDS_FIELD_NUMBER: _ClassVar[int]
    option_id: str
    kind: OptionKind
    segments: _containers.RepeatedCompositeFieldContainer[ItinerarySegment]
    arrival_time: _timestamp_pb2.Timestamp
    arrival_delay: _duration_pb2.Duration
    held: bool
    downgrade: bool
    airport_change: bool
    entitlements: Entitlements
    airport_changes: _containers.RepeatedCompositeFieldContainer[AirportChange]
    earlier_than_booked: bool
    interline: bool
    passenger_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, option_id: _Optional[str] = ..., kind: _Optional[_Union[OptionKind, str]] = ..., segments: _Optional[_Iterable[_Union[ItinerarySegment, _Mapping]]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., held: bool = ..., downgrade: bool = ..., airport_change: bool = ..., entitlements: _Optional[_Union[Entitlements, _Mapping]] = ..., airport_changes: _Optional[_Iterable[_Union[AirportChange, _Mapping]]] = ..., earlier_than_booked: bool = ..., interline: bool = ..., passenger_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AirportChange(_message.Message):
    __slots__ = ("booked_airport", "new_airport", "transfer")
    BOOKED_AIRPORT_FIELD_NUMBER: _ClassVar[int]
    NEW_AIRPORT_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    booked_airport: str
    new_airport: str
    transfer: _duration_pb2.Duration
    def __init__(self, booked_airport: _Optional[str] = ..., new_airport: _Optional[str] = ..., transfer: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Money(_message.Message):
    __slots__ = ("currency_code", "minor_units")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    MINOR_UNITS_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    minor_units: int
    def __init__(self, currency_code: _Optional[str] = ..., minor_units: _Optional[int] = ...) -> None: ...

class Entitlements(_message.Message):
    __slots__ = ("regime", "compensation", "compensation_reason", "meals", "hotel_nights", "care", "downgrade_refund", "refund_right", "refund")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    COMPENSATION_FIELD_NUMBER: _ClassVar[int]
    COMPENSATION_REASON_FIELD_NUMBER: _ClassVar[int]
    MEALS_FIELD_NUMBER: _ClassVar[int]
    HOTEL_NIGHTS_FIELD_NUMBER: _ClassVar[int]
    CARE_FIELD_NUMBER: _ClassVar[int]
    DOWNGRADE_REFUND_FIELD_NUMBER: _ClassVar[int]
    REFUND_RIGHT_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    regime: str
    compensation: Money
    compensation_reason: str
    meals: int
    hotel_nights: int
    care: Money
    downgrade_refund: Money
    refund_right: bool
    refund: Money
    def __init__(self, regime: _Optional[str] = ..., compensation: _Optional[_Union[Money, _Mapping]] = ..., compensation_reason: _Optional[str] = ..., meals: _Optional[int] = ..., hotel_nights: _Optional[int] = ..., care: _Optional[_Union[Money, _Mapping]] = ..., downgrade_refund: _Optional[_Union[Money, _Mapping]] = ..., refund_right: bool = ..., refund: _Optional[_Union[Money, _Mapping]] = ...) -> None: ...

class Offer(_message.Message):
    __slots__ = ("offer_id", "version", "record_locator", "carrier", "passenger_ids", "status", "original_segments", "options", "primary_option_id", "holds", "expire_time", "explanation", "disruption_id", "disruption_known_time", "create_time", "chosen_option_id", "predicted", "disruption_version", "kept_leg_ids", "response_ids", "unaccommodated_reason", "horizon_end_time")
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RECORD_LOCATOR_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    PASSENGER_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_OPTION_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_ID_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_KNOWN_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_OPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_VERSION_FIELD_NUMBER: _ClassVar[int]
    KEPT_LEG_IDS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_IDS_FIELD_NUMBER: _ClassVar[int]
    UNACCOMMODATED_REASON_FIELD_NUMBER: _ClassVar[int]
    HORIZON_END_TIME_FIELD_NUMBER: _ClassVar[int]
    offer_id: str
    version: int
    record_locator: str
    carrier: str
    passenger_ids: _containers.RepeatedScalarFieldContainer[str]
    status: OfferStatus
    original_segments: _containers.RepeatedCompositeFieldContainer[ItinerarySegment]
    options: _containers.RepeatedCompositeFieldContainer[OfferOption]
    primary_option_id: str
    holds: _containers.RepeatedCompositeFieldContainer[SeatHold]
    expire_time: _timestamp_pb2.Timestamp
    explanation: str
    disruption_id: str
    disruption_known_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    chosen_option_id: str
    predicted: bool
    disruption_version: int
    kept_leg_ids: _containers.RepeatedScalarFieldContainer[str]
    response_ids: _containers.RepeatedScalarFieldContainer[str]
    unaccommodated_reason: UnaccommodatedReason
    horizon_end_time: _timestamp_pb2.Timestamp
    def __init__(self, offer_id: _Optional[str] = ..., version: _Optional[int] = ..., record_locator: _Optional[str] = ..., carrier: _Optional[str] = ..., passenger_ids: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[OfferStatus, str]] = ..., original_segments: _Optional[_Iterable[_Union[ItinerarySegment, _Mapping]]] = ..., options: _Optional[_Iterable[_Union[OfferOption, _Mapping]]] = ..., primary_option_id: _Optional[str] = ..., holds: _Optional[_Iterable[_Union[SeatHold, _Mapping]]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., explanation: _Optional[str] = ..., disruption_id: _Optional[str] = ..., disruption_known_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., chosen_option_id: _Optional[str] = ..., predicted: bool = ..., disruption_version: _Optional[int] = ..., kept_leg_ids: _Optional[_Iterable[str]] = ..., response_ids: _Optional[_Iterable[str]] = ..., unaccommodated_reason: _Optional[_Union[UnaccommodatedReason, str]] = ..., horizon_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PassengerResponse(_message.Message):
    __slots__ = ("response_id", "offer_id", "offer_version", "kind", "option_id", "response_time")
    RESPONSE_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OPTION_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_TIME_FIELD_NUMBER: _ClassVar[int]
    response_id: str
    offer_id: str
    offer_version: int
    kind: ResponseKind
    option_id: str
    response_time: _timestamp_pb2.Timestamp
    def __init__(self, response_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., offer_version: _Optional[int] = ..., kind: _Optional[_Union[ResponseKind, str]] = ..., option_id: _Optional[str] = ..., response_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

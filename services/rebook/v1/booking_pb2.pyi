import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rebook.v1 import flight_pb2 as _flight_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIER_UNSPECIFIED: _ClassVar[Tier]
    TIER_BASIC: _ClassVar[Tier]
    TIER_SILVER: _ClassVar[Tier]
    TIER_GOLD: _ClassVar[Tier]
    TIER_PLATINUM: _ClassVar[Tier]

class SpecialService(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPECIAL_SERVICE_UNSPECIFIED: _ClassVar[SpecialService]
    SPECIAL_SERVICE_WHEELCHAIR: _ClassVar[SpecialService]
    SPECIAL_SERVICE_UNACCOMPANIED_MINOR: _ClassVar[SpecialService]
    SPECIAL_SERVICE_BLIND: _ClassVar[SpecialService]
    SPECIAL_SERVICE_DEAF: _ClassVar[SpecialService]
    SPECIAL_SERVICE_MEET_AND_ASSIST: _ClassVar[SpecialService]
    SPECIAL_SERVICE_PET_IN_CABIN: _ClassVar[SpecialService]
TIER_UNSPECIFIED: Tier
TIER_BASIC: Tier
TIER_SILVER: Tier
TIER_GOLD: Tier
TIER_PLATINUM: Tier
SPECIAL_SERVICE_UNSPECIFIED: SpecialService
SPECIAL_SERVICE_WHEELCHAIR: SpecialService
SPECIAL_SERVICE_UNACCOMPANIED_MINOR: SpecialService
SPECIAL_SERVICE_BLIND: SpecialService
SPECIAL_SERVICE_DEAF: SpecialService
SPECIAL_SERVICE_MEET_AND_ASSIST: SpecialService
SPECIAL_SERVICE_PET_IN_CABIN: SpecialService

class Passenger(_message.Message):
    __slots__ = ("passenger_id", "tier", "special_services", "location_consent", "contact_opt_in")
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_SERVICES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CONSENT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_OPT_IN_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    tier: Tier
    special_services: _containers.RepeatedScalarFieldContainer[SpecialService]
    location_consent: bool
    contact_opt_in: bool
    def __init__(self, passenger_id: _Optional[str] = ..., tier: _Optional[_Union[Tier, str]] = ..., special_services: _Optional[_Iterable[_Union[SpecialService, str]]] = ..., location_consent: bool = ..., contact_opt_in: bool = ...) -> None: ...

class BookingSegment(_message.Message):
    __slots__ = ("leg_id", "cabin")
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    CABIN_FIELD_NUMBER: _ClassVar[int]
    leg_id: str
    cabin: _flight_pb2.Cabin
    def __init__(self, leg_id: _Optional[str] = ..., cabin: _Optional[_Union[_flight_pb2.Cabin, str]] = ...) -> None: ...

class Booking(_message.Message):
    __slots__ = ("record_locator", "version", "carrier", "passengers", "segments", "update_time")
    RECORD_LOCATOR_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    PASSENGERS_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    record_locator: str
    version: int
    carrier: str
    passengers: _containers.RepeatedCompositeFieldContainer[Passenger]
    segments: _containers.RepeatedCompositeFieldContainer[BookingSegment]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, record_locator: _Optional[str] = ..., version: _Optional[int] = ..., carrier: _Optional[str] = ..., passengers: _Optional[_Iterable[_Union[Passenger, _Mapping]]] = ..., segments: _Optional[_Iterable[_Union[BookingSegment, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

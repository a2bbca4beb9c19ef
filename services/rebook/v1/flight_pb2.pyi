import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Cabin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CABIN_UNSPECIFIED: _ClassVar[Cabin]
    CABIN_ECONOMY: _ClassVar[Cabin]
    CABIN_PREMIUM_ECONOMY: _ClassVar[Cabin]
    CABIN_BUSINESS: _ClassVar[Cabin]
    CABIN_FIRST: _ClassVar[Cabin]

class FlightStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLIGHT_STATUS_UNSPECIFIED: _ClassVar[FlightStatus]
    FLIGHT_STATUS_SCHEDULED: _ClassVar[FlightStatus]
    FLIGHT_STATUS_DELAYED: _ClassVar[FlightStatus]
    FLIGHT_STATUS_CANCELLED: _ClassVar[FlightStatus]
    FLIGHT_STATUS_DIVERTED: _ClassVar[FlightStatus]
    FLIGHT_STATUS_DEPARTED: _ClassVar[FlightStatus]
    FLIGHT_STATUS_ARRIVED: _ClassVar[FlightStatus]

class LegType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEG_TYPE_UNSPECIFIED: _ClassVar[LegType]
    LEG_TYPE_FLIGHT: _ClassVar[LegType]
    LEG_TYPE_BUS: _ClassVar[LegType]
    LEG_TYPE_RAIL: _ClassVar[LegType]
CABIN_UNSPECIFIED: Cabin
CABIN_ECONOMY: Cabin
CABIN_PREMIUM_ECONOMY: Cabin
CABIN_BUSINESS: Cabin
CABIN_FIRST: Cabin
FLIGHT_STATUS_UNSPECIFIED: FlightStatus
FLIGHT_STATUS_SCHEDULED: FlightStatus
FLIGHT_STATUS_DELAYED: FlightStatus
FLIGHT_STATUS_CANCELLED: FlightStatus
FLIGHT_STATUS_DIVERTED: FlightStatus
FLIGHT_STATUS_DEPARTED: FlightStatus
FLIGHT_STATUS_ARRIVED: FlightStatus
LEG_TYPE_UNSPECIFIED: LegType
LEG_TYPE_FLIGHT: LegType
LEG_TYPE_BUS: LegType
LEG_TYPE_RAIL: LegType

class CabinSeats(_message.Message):
    __slots__ = ("cabin", "capacity", "sold")
    CABIN_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    SOLD_FIELD_NUMBER: _ClassVar[int]
    cabin: Cabin
    capacity: int
    sold: int
    def __init__(self, cabin: _Optional[_Union[Cabin, str]] = ..., capacity: _Optional[int] = ..., sold: _Optional[int] = ...) -> None: ...

class FlightLeg(_message.Message):
    __slots__ = ("leg_id", "carrier", "flight_number", "operating_date", "origin", "destination", "scheduled_departure_time", "scheduled_arrival_time", "estimated_departure_time", "estimated_arrival_time", "actual_off_block_time", "actual_takeoff_time", "actual_landing_time", "actual_in_block_time", "tail_number", "aircraft_type", "cabins", "min_turn_duration", "status", "diverted_to", "version", "update_time", "leg_type", "origin_time_zone", "destination_time_zone")
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    FLIGHT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OPERATING_DATE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_OFF_BLOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_TAKEOFF_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_LANDING_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_IN_BLOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    TAIL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AIRCRAFT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CABINS_FIELD_NUMBER: _ClassVar[int]
    MIN_TURN_DURATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DIVERTED_TO_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LEG_TYPE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    leg_id: str
    carrier: str
    flight_number: str
    operating_date: str
    origin: str
    destination: str
    scheduled_departure_time: _timestamp_pb2.Timestamp
    scheduled_arrival_time: _timestamp_pb2.Timestamp
    estimated_departure_time: _timestamp_pb2.Timestamp
    estimated_arrival_time: _timestamp_pb2.Timestamp
    actual_off_block_time: _timestamp_pb2.Timestamp
    actual_takeoff_time: _timestamp_pb2.Timestamp
    actual_landing_time: _timestamp_pb2.Timestamp
    actual_in_block_time: _timestamp_pb2.Timestamp
    tail_number: str
    aircraft_type: str
    cabins: _containers.RepeatedCompositeFieldContainer[CabinSeats]
    min_turn_duration: _duration_pb2.Duration
    status: FlightStatus
    diverted_to: str
    version: int
    update_time: _timestamp_pb2.Timestamp
    leg_type: LegType
    origin_time_zone: str
    destination_time_zone: str
    def __init__(self, leg_id: _Optional[str] = ..., carrier: _Optional[str] = ..., flight_number: _Optional[str] = ..., operating_date: _Optional[str] = ..., origin: _Optional[str] = ..., destination: _Optional[str] = ..., scheduled_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., estimated_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., estimated_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_off_block_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_takeoff_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_landing_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_in_block_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tail_number: _Optional[str] = ..., aircraft_type: _Optional[str] = ..., cabins: _Optional[_Iterable[_Union[CabinSeats, _Mapping]]] = ..., min_turn_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., status: _Optional[_Union[FlightStatus, str]] = ..., diverted_to: _Optional[str] = ..., version: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leg_type: _Optional[_Union[LegType, str]] = ..., origin_time_zone: _Optional[str] = ..., destination_time_zone: _Optional[str] = ...) -> None: ...

import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rebook.v1 import flight_pb2 as _flight_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EstimateChange(_message.Message):
    __slots__ = ("departure_time", "arrival_time")
    DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    departure_time: _timestamp_pb2.Timestamp
    arrival_time: _timestamp_pb2.Timestamp
    def __init__(self, departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Cancellation(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class Reinstatement(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Diversion(_message.Message):
    __slots__ = ("airport",)
    AIRPORT_FIELD_NUMBER: _ClassVar[int]
    airport: str
    def __init__(self, airport: _Optional[str] = ...) -> None: ...

class EquipmentChange(_message.Message):
    __slots__ = ("tail_number", "aircraft_type", "cabins")
    TAIL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AIRCRAFT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CABINS_FIELD_NUMBER: _ClassVar[int]
    tail_number: str
    aircraft_type: str
    cabins: _containers.RepeatedCompositeFieldContainer[_flight_pb2.CabinSeats]
    def __init__(self, tail_number: _Optional[str] = ..., aircraft_type: _Optional[str] = ..., cabins: _Optional[_Iterable[_Union[_flight_pb2.CabinSeats, _Mapping]]] = ...) -> None: ...

class ActualTimes(_message.Message):
    __slots__ = ("off_block_time", "takeoff_time", "landing_time", "in_block_time")
    OFF_BLOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    TAKEOFF_TIME_FIELD_NUMBER: _ClassVar[int]
    LANDING_TIME_FIELD_NUMBER: _ClassVar[int]
    IN_BLOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    off_block_time: _timestamp_pb2.Timestamp
    takeoff_time: _timestamp_pb2.Timestamp
    landing_time: _timestamp_pb2.Timestamp
    in_block_time: _timestamp_pb2.Timestamp
    def __init__(self, off_block_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., takeoff_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., landing_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., in_block_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FlightEvent(_message.Message):
    __slots__ = ("event_id", "leg_id", "event_time", "estimate", "cancellation", "reinstatement", "diversion", "equipment_change", "actuals")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_FIELD_NUMBER: _ClassVar[int]
    REINSTATEMENT_FIELD_NUMBER: _ClassVar[int]
    DIVERSION_FIELD_NUMBER: _ClassVar[int]
    EQUIPMENT_CHANGE_FIELD_NUMBER: _ClassVar[int]
    ACTUALS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    leg_id: str
    event_time: _timestamp_pb2.Timestamp
    estimate: EstimateChange
    cancellation: Cancellation
    reinstatement: Reinstatement
    diversion: Diversion
    equipment_change: EquipmentChange
    actuals: ActualTimes
    def __init__(self, event_id: _Optional[str] = ..., leg_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., estimate: _Optional[_Union[EstimateChange, _Mapping]] = ..., cancellation: _Optional[_Union[Cancellation, _Mapping]] = ..., reinstatement: _Optional[_Union[Reinstatement, _Mapping]] = ..., diversion: _Optional[_Union[Diversion, _Mapping]] = ..., equipment_change: _Optional[_Union[EquipmentChange, _Mapping]] = ..., actuals: _Optional[_Union[ActualTimes, _Mapping]] = ...) -> None: ...

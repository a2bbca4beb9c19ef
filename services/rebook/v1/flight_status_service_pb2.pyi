import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rebook.v1 import batch_pb2 as _batch_pb2
from rebook.v1 import disruption_pb2 as _disruption_pb2
from rebook.v1 import event_pb2 as _event_pb2
from rebook.v1 import flight_pb2 as _flight_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoadScheduleRequest(_message.Message):
    __slots__ = ("legs", "atomic")
    LEGS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    legs: _containers.RepeatedCompositeFieldContainer[_flight_pb2.FlightLeg]
    atomic: bool
    def __init__(self, legs: _Optional[_Iterable[_Union[_flight_pb2.FlightLeg, _Mapping]]] = ..., atomic: bool = ...) -> None: ...

class LoadScheduleResponse(_message.Message):
    __slots__ = ("created_count", "updated_count", "unchanged_count", "rejected", "rejected_count")
    CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    created_count: int
    updated_count: int
    unchanged_count: int
    rejected: _containers.RepeatedCompositeFieldContainer[_batch_pb2.RejectedItem]
    rejected_count: int
    def __init__(self, created_count: _Optional[int] = ..., updated_count: _Optional[int] = ..., unchanged_count: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[_batch_pb2.RejectedItem, _Mapping]]] = ..., rejected_count: _Optional[int] = ...) -> None: ...

class ReportFlightEventRequest(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _event_pb2.FlightEvent
    def __init__(self, event: _Optional[_Union[_event_pb2.FlightEvent, _Mapping]] = ...) -> None: ...

class ReportFlightEventResponse(_message.Message):
    __slots__ = ("applied", "leg", "disruptions")
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    LEG_FIELD_NUMBER: _ClassVar[int]
    DISRUPTIONS_FIELD_NUMBER: _ClassVar[int]
    applied: bool
    leg: _flight_pb2.FlightLeg
    disruptions: _containers.RepeatedCompositeFieldContainer[_disruption_pb2.Disruption]
    def __init__(self, applied: bool = ..., leg: _Optional[_Union[_flight_pb2.FlightLeg, _Mapping]] = ..., disruptions: _Optional[_Iterable[_Union[_disruption_pb2.Disruption, _Mapping]]] = ...) -> None: ...

class ReportFlightEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.FlightEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.FlightEvent, _Mapping]]] = ...) -> None: ...

class FlightEventResult(_message.Message):
    __slots__ = ("event_id", "applied", "error_code", "error_message")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    applied: bool
    error_code: str
    error_message: str
    def __init__(self, event_id: _Optional[str] = ..., applied: bool = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class ReportFlightEventsResponse(_message.Message):
    __slots__ = ("results", "disruption_count")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    DISRUPTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[FlightEventResult]
    disruption_count: int
    def __init__(self, results: _Optional[_Iterable[_Union[FlightEventResult, _Mapping]]] = ..., disruption_count: _Optional[int] = ...) -> None: ...

class GetFlightLegRequest(_message.Message):
    __slots__ = ("leg_id",)
    LEG_ID_FIELD_NUMBER: _ClassVar[int]
    leg_id: str
    def __init__(self, leg_id: _Optional[str] = ...) -> None: ...

class GetFlightLegResponse(_message.Message):
    __slots__ = ("leg",)
    LEG_FIELD_NUMBER: _ClassVar[int]
    leg: _flight_pb2.FlightLeg
    def __init__(self, leg: _Optional[_Union[_flight_pb2.FlightLeg, _Mapping]] = ...) -> None: ...

class ListDisruptionsRequest(_message.Message):
    __slots__ = ("carrier", "airport", "start_time", "end_time", "include_withdrawn")
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    AIRPORT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    carrier: str
    airport: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    include_withdrawn: bool
    def __init__(self, carrier: _Optional[str] = ..., airport: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_withdrawn: bool = ...) -> None: ...

class ListDisruptionsResponse(_message.Message):
    __slots__ = ("disruptions",)
    DISRUPTIONS_FIELD_NUMBER: _ClassVar[int]
    disruptions: _containers.RepeatedCompositeFieldContainer[_disruption_pb2.Disruption]
    def __init__(self, disruptions: _Optional[_Iterable[_Union[_disruption_pb2.Disruption, _Mapping]]] = ...) -> None: ...

class WatchDisruptionsRequest(_message.Message):
    __slots__ = ("carrier", "airport")
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    AIRPORT_FIELD_NUMBER: _ClassVar[int]
    carrier: str
    airport: str
    def __init__(self, carrier: _Optional[str] = ..., airport: _Optional[str] = ...) -> None: ...

class WatchDisruptionsResponse(_message.Message):
    __slots__ = ("disruption",)
    DISRUPTION_FIELD_NUMBER: _ClassVar[int]
    disruption: _disruption_pb2.Disruption
    def __init__(self, disruption: _Optional[_Union[_disruption_pb2.Disruption, _Mapping]] = ...) -> None: ...

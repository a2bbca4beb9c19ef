from rebook.v1 import location_pb2 as _location_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReportPingRequest(_message.Message):
    __slots__ = ("ping",)
    PING_FIELD_NUMBER: _ClassVar[int]
    ping: _location_pb2.LocationPing
    def __init__(self, ping: _Optional[_Union[_location_pb2.LocationPing, _Mapping]] = ...) -> None: ...

class ReportPingResponse(_message.Message):
    __slots__ = ("proximity", "published")
    PROXIMITY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    proximity: _location_pb2.Proximity
    published: bool
    def __init__(self, proximity: _Optional[_Union[_location_pb2.Proximity, _Mapping]] = ..., published: bool = ...) -> None: ...

class ReportPingsRequest(_message.Message):
    __slots__ = ("pings",)
    PINGS_FIELD_NUMBER: _ClassVar[int]
    pings: _containers.RepeatedCompositeFieldContainer[_location_pb2.LocationPing]
    def __init__(self, pings: _Optional[_Iterable[_Union[_location_pb2.LocationPing, _Mapping]]] = ...) -> None: ...

class RejectedPing(_message.Message):
    __slots__ = ("index", "code", "message")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    code: str
    message: str
    def __init__(self, index: _Optional[int] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ReportPingsResponse(_message.Message):
    __slots__ = ("accepted_count", "published_count", "rejected")
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    accepted_count: int
    published_count: int
    rejected: _containers.RepeatedCompositeFieldContainer[RejectedPing]
    def __init__(self, accepted_count: _Optional[int] = ..., published_count: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[RejectedPing, _Mapping]]] = ...) -> None: ...

class GetProximityRequest(_message.Message):
    __slots__ = ("passenger_id", "airport")
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    AIRPORT_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    airport: str
    def __init__(self, passenger_id: _Optional[str] = ..., airport: _Optional[str] = ...) -> None: ...

class GetProximityResponse(_message.Message):
    __slots__ = ("proximity",)
    PROXIMITY_FIELD_NUMBER: _ClassVar[int]
    proximity: _location_pb2.Proximity
    def __init__(self, proximity: _Optional[_Union[_location_pb2.Proximity, _Mapping]] = ...) -> None: ...

class ForgetPassengerRequest(_message.Message):
    __slots__ = ("passenger_id",)
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    def __init__(self, passenger_id: _Optional[str] = ...) -> None: ...

class ForgetPassengerResponse(_message.Message):
    __slots__ = ("forgotten",)
    FORGOTTEN_FIELD_NUMBER: _ClassVar[int]
    forgotten: bool
    def __init__(self, forgotten: bool = ...) -> None: ...

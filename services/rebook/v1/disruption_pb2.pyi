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

class DisruptionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISRUPTION_KIND_UNSPECIFIED: _ClassVar[DisruptionKind]
    DISRUPTION_KIND_CANCELLATION: _ClassVar[DisruptionKind]
    DISRUPTION_KIND_REINSTATEMENT: _ClassVar[DisruptionKind]
    DISRUPTION_KIND_DELAY: _ClassVar[DisruptionKind]
    DISRUPTION_KIND_DIVERSION: _ClassVar[DisruptionKind]
    DISRUPTION_KIND_DOWNGAUGE: _ClassVar[DisruptionKind]
    DISRUPTION_KIND_ROTATION_AT_RISK: _ClassVar[DisruptionKind]
DISRUPTION_KIND_UNSPECIFIED: DisruptionKind
DISRUPTION_KIND_CANCELLATION: DisruptionKind
DISRUPTION_KIND_REINSTATEMENT: DisruptionKind
DISRUPTION_KIND_DELAY: DisruptionKind
DISRUPTION_KIND_DIVERSION: DisruptionKind
DISRUPTION_KIND_DOWNGAUGE: DisruptionKind
DISRUPTION_KIND_ROTATION_AT_RISK: DisruptionKind

class Disruption(_message.Message):
    __slots__ = ("disruption_id", "version", "kind", "carrier", "leg_ids", "predicted", "cause_leg_id", "cause", "old_departure_time", "new_departure_time", "old_arrival_time", "new_arrival_time", "old_cabins", "new_cabins", "diverted_to", "known_time", "withdrawn", "below_threshold")
    DISRUPTION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    LEG_IDS_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_FIELD_NUMBER: _ClassVar[int]
    CAUSE_LEG_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    OLD_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    NEW_DEPARTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    OLD_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    NEW_ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    OLD_CABINS_FIELD_NUMBER: _ClassVar[int]
    NEW_CABINS_FIELD_NUMBER: _ClassVar[int]
    DIVERTED_TO_FIELD_NUMBER: _ClassVar[int]
    KNOWN_TIME_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    BELOW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    disruption_id: str
    version: int
    kind: DisruptionKind
    carrier: str
    leg_ids: _containers.RepeatedScalarFieldContainer[str]
    predicted: bool
    cause_leg_id: str
    cause: str
    old_departure_time: _timestamp_pb2.Timestamp
    new_departure_time: _timestamp_pb2.Timestamp
    old_arrival_time: _timestamp_pb2.Timestamp
    new_arrival_time: _timestamp_pb2.Timestamp
    old_cabins: _containers.RepeatedCompositeFieldContainer[_flight_pb2.CabinSeats]
    new_cabins: _containers.RepeatedCompositeFieldContainer[_flight_pb2.CabinSeats]
    diverted_to: str
    known_time: _timestamp_pb2.Timestamp
    withdrawn: bool
    below_threshold: bool
    def __init__(self, disruption_id: _Optional[str] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[DisruptionKind, str]] = ..., carrier: _Optional[str] = ..., leg_ids: _Optional[_Iterable[str]] = ..., predicted: bool = ..., cause_leg_id: _Optional[str] = ..., cause: _Optional[str] = ..., old_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., new_departure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., old_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., new_arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., old_cabins: _Optional[_Iterable[_Union[_flight_pb2.CabinSeats, _Mapping]]] = ..., new_cabins: _Optional[_Iterable[_Union[_flight_pb2.CabinSeats, _Mapping]]] = ..., diverted_to: _Optional[str] = ..., known_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., withdrawn: bool = ..., below_threshold: bool = ...) -> None: ...

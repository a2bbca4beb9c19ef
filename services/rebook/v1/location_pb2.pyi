import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProximityBand(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROXIMITY_BAND_UNSPECIFIED: _ClassVar[ProximityBand]
    PROXIMITY_BAND_AT_AIRPORT: _ClassVar[ProximityBand]
    PROXIMITY_BAND_NEARBY: _ClassVar[ProximityBand]
    PROXIMITY_BAND_FAR: _ClassVar[ProximityBand]
    PROXIMITY_BAND_UNKNOWN: _ClassVar[ProximityBand]
PROXIMITY_BAND_UNSPECIFIED: ProximityBand
PROXIMITY_BAND_AT_AIRPORT: ProximityBand
PROXIMITY_BAND_NEARBY: ProximityBand
PROXIMITY_BAND_FAR: ProximityBand
PROXIMITY_BAND_UNKNOWN: ProximityBand

class LocationPing(_message.Message):
    __slots__ = ("passenger_id", "latitude", "longitude", "accuracy_meters", "ping_time", "consent")
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_METERS_FIELD_NUMBER: _ClassVar[int]
    PING_TIME_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    latitude: float
    longitude: float
    accuracy_meters: float
    ping_time: _timestamp_pb2.Timestamp
    consent: bool
    def __init__(self, passenger_id: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., accuracy_meters: _Optional[float] = ..., ping_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., consent: bool = ...) -> None: ...

class Proximity(_message.Message):
    __slots__ = ("passenger_id", "nearest_airport", "target_airport", "band", "distance_km", "time_to_gate", "ping_time", "compute_time", "stale")
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    NEAREST_AIRPORT_FIELD_NUMBER: _ClassVar[int]
    TARGET_AIRPORT_FIELD_NUMBER: _ClassVar[int]
    BAND_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_GATE_FIELD_NUMBER: _ClassVar[int]
    PING_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    nearest_airport: str
    target_airport: str
    band: ProximityBand
    distance_km: int
    time_to_gate: _duration_pb2.Duration
    ping_time: _timestamp_pb2.Timestamp
    compute_time: _timestamp_pb2.Timestamp
    stale: bool
    def __init__(self, passenger_id: _Optional[str] = ..., nearest_airport: _Optional[str] = ..., target_airport: _Optional[str] = ..., band: _Optional[_Union[ProximityBand, str]] = ..., distance_km: _Optional[int] = ..., time_to_gate: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., ping_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., compute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stale: bool = ...) -> None: ...

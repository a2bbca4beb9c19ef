import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rebook.v1 import offer_pb2 as _offer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChannelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_KIND_UNSPECIFIED: _ClassVar[ChannelKind]
    CHANNEL_KIND_STREAM: _ClassVar[ChannelKind]
    CHANNEL_KIND_WEBHOOK: _ClassVar[ChannelKind]
CHANNEL_KIND_UNSPECIFIED: ChannelKind
CHANNEL_KIND_STREAM: ChannelKind
CHANNEL_KIND_WEBHOOK: ChannelKind

class Channel(_message.Message):
    __slots__ = ("channel_id", "passenger_id", "kind", "webhook_url")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    passenger_id: str
    kind: ChannelKind
    webhook_url: str
    def __init__(self, channel_id: _Optional[str] = ..., passenger_id: _Optional[str] = ..., kind: _Optional[_Union[ChannelKind, str]] = ..., webhook_url: _Optional[str] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("notification_id", "passenger_id", "offer", "create_time", "deliver_time", "acknowledge_time")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVER_TIME_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_TIME_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    passenger_id: str
    offer: _offer_pb2.Offer
    create_time: _timestamp_pb2.Timestamp
    deliver_time: _timestamp_pb2.Timestamp
    acknowledge_time: _timestamp_pb2.Timestamp
    def __init__(self, notification_id: _Optional[str] = ..., passenger_id: _Optional[str] = ..., offer: _Optional[_Union[_offer_pb2.Offer, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deliver_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterChannelRequest(_message.Message):
    __slots__ = ("passenger_id", "kind", "webhook_url")
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    kind: ChannelKind
    webhook_url: str
    def __init__(self, passenger_id: _Optional[str] = ..., kind: _Optional[_Union[ChannelKind, str]] = ..., webhook_url: _Optional[str] = ...) -> None: ...

class RegisterChannelResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("passenger_id",)
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    def __init__(self, passenger_id: _Optional[str] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ...) -> None: ...

class AcknowledgeNotificationRequest(_message.Message):
    __slots__ = ("notification_id",)
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...

class AcknowledgeNotificationResponse(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("passenger_id",)
    PASSENGER_ID_FIELD_NUMBER: _ClassVar[int]
    passenger_id: str
    def __init__(self, passenger_id: _Optional[str] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ...) -> None: ...

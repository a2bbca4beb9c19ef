"""The replay's ``Subscribe`` streams: devices and the app backend, on one asyncio loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

import grpc

from rebook.runtime.grpc_client import open_aio_channel
from rebook.v1 import notification_service_pb2, notification_service_pb2_grpc

from .config import CHANNEL_OPTIONS


class DeviceStreams:
    """Every ``Subscribe`` stream of a replay on one asyncio loop in one thread (grpc.aio): the
    replay's threads stay the same whatever the number of devices (one thread per device once
    made 3,000 client threads for 3,276 devices).  Each stream reconnects with backoff on
    UNAVAILABLE or DEADLINE_EXCEEDED, as a device would."""

    def __init__(
        self,
        address: str,
        on_notification: Callable[[notification_service_pb2.Notification, str], None],
        on_subscribed: Callable[[], None],
        on_error: Callable[[str], None],
    ) -> None:
        self._on_notification, self._on_subscribed, self._on_error = on_notification, on_subscribed, on_error
        self._closing = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="subscribe-streams", daemon=True)
        self._thread.start()
        self._channel = self._run(self._open(address)).result(timeout=10)
        self._stub = notification_service_pb2_grpc.NotificationServiceStub(self._channel)
        self.following = 0

    async def _open(self, address: str) -> grpc.aio.Channel:
        return open_aio_channel(address, options=CHANNEL_OPTIONS)  # bound to this loop

    def _run(self, coroutine: Any) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def follow(self, passenger_id: str, credential: str, channel_kind: str) -> None:
        self.following += 1
        metadata = (("authorization", f"Bearer {credential}"),)
        request = notification_service_pb2.SubscribeRequest(passenger_id=passenger_id)
        self._run(self._read(request, metadata, channel_kind))

    async def _read(self, request: Any, metadata: Any, channel_kind: str) -> None:
        delay, subscribed = 0.2, False
        while not self._closing:
            try:
                call = self._stub.Subscribe(request, metadata=metadata, timeout=24 * 3600.0)
                if not subscribed:
                    subscribed = True
                    self._on_subscribed()
                async for reply in call:
                    self._on_notification(reply.notification, channel_kind)
                    delay = 0.2
            except grpc.aio.AioRpcError as error:
                if self._closing or error.code() == grpc.StatusCode.CANCELLED:
                    return
                if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    self._on_error(f"Subscribe ({channel_kind}): {error.code().name}: {error.details()}")
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def close(self) -> None:
        """Cancels every stream, closes the channel and ends the loop's thread."""
        self._closing = True

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._channel.close()

        try:
            self._run(shutdown()).result(timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=2)

"""Webhook delivery on a worker pool: signed POSTs, retries with backoff and jitter, in order
per passenger, never on the caller's thread.

Each passenger has a FIFO of jobs; at most one of their jobs is in flight or waiting for a
retry, so a passenger's notifications arrive in order even when one needs retries.  Waiting
for a retry holds no worker: a scheduler thread hands the job back to the pool when due.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from google.protobuf import json_format

from rebook.notifier.channel import ChannelDeps
from rebook.notifier.convert import to_notification
from rebook.notifier.core.channels import Route, url_problem
from rebook.notifier.core.retry import RetryPolicy
from rebook.notifier.core.signing import webhook_headers
from rebook.notifier.core.store import Entry
from rebook.notifier.webhook_guard import WebhookGuard, guarded_post

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WebhookJob:
    """One notification to POST to one URL; ``key`` orders jobs (the passenger)."""

    key: str
    url: str
    body: bytes
    ref: Entry  # handed back to the callbacks
    failures: int = 0
    last_status: int | None = None


Sender = Callable[[str, bytes, dict[str, str], float], int | None]


class _Scheduler:
    """Runs callbacks at a later time on one daemon thread."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="webhook-retries", daemon=True)
        self._thread.start()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> None:
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._order), callback))
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._wake.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                if self._closed:
                    return
                _, _, callback = heapq.heappop(self._heap)
            callback()


@dataclass(frozen=True, slots=True)
class WebhookCallbacks:
    """What happens after an attempt: ``delivered(job)``, ``retrying(job)``, ``failed(job)`` (final)."""

    delivered: Callable[[WebhookJob], None]
    retrying: Callable[[WebhookJob], None]
    failed: Callable[[WebhookJob], None]


class WebhookDispatcher:
    def __init__(
        self,
        secret: bytes,
        policy: RetryPolicy,
        callbacks: WebhookCallbacks,
        *,
        workers: int = 8,
        timeout_s: float = 5.0,
        sender: Sender,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._secret = secret
        self._policy = policy
        self._callbacks = callbacks
        self._timeout_s = timeout_s
        self._send = sender
        self._rng = rng
        self._queues: dict[str, deque[WebhookJob]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self._scheduler = _Scheduler()
        self._closed = False

    def submit(self, job: WebhookJob) -> None:
        """Queues ``job`` behind the passenger's earlier ones; returns at once."""
        with self._lock:
            if self._closed:
                return
            queue = self._queues.setdefault(job.key, deque())
            queue.append(job)
            if len(queue) == 1:
                self._pool.submit(self._attempt, job.key)

    def close(self) -> None:
        """Stops: queued and waiting jobs are dropped (they stay pending in the durable state)."""
        with self._lock:
            self._closed = True
            self._queues.clear()
        self._scheduler.close()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _attempt(self, key: str) -> None:
        with self._lock:
            queue = self._queues.get(key)
            if not queue:
                return
            job = queue[0]
        try:
            headers = webhook_headers(self._secret, job.body, time.time())
            job.last_status = self._send(job.url, job.body, headers, self._timeout_s)
            self._after_attempt(job)
        except Exception:
            log.exception("webhook attempt crashed")
            self._finish(job, self._callbacks.failed)

    def _after_attempt(self, job: WebhookJob) -> None:
        status = job.last_status
        if status is not None and 200 <= status < 300:
            self._finish(job, self._callbacks.delivered)
            return
        job.failures += 1
        if self._policy.gives_up(job.failures, status):
            self._finish(job, self._callbacks.failed)
            return
        self._callbacks.retrying(job)
        delay = self._policy.delay_s(job.failures, self._rng)
        log.info("webhook failed; retrying", extra={"status": status, "failures": job.failures, "delay_s": delay})
        self._scheduler.call_later(delay, lambda: self._resubmit(job.key))

    def _resubmit(self, key: str) -> None:
        with self._lock:
            if not self._closed:
                self._pool.submit(self._attempt, key)

    def _finish(self, job: WebhookJob, callback: Callable[[WebhookJob], None]) -> None:
        try:
            callback(job)
        finally:
            self._next(job.key)

    def _next(self, key: str) -> None:
        with self._lock:
            queue = self._queues.get(key)
            if queue:
                queue.popleft()
                if queue:
                    self._pool.submit(self._attempt, key)
                else:
                    del self._queues[key]


class WebhookChannel:
    """The webhook route behind the notifier's ``Channel`` port: signed POSTs on the dispatcher's
    pool, to URLs that pass the syntax check and the guard (public addresses, https outside
    development)."""

    route: str = Route.WEBHOOK

    def __init__(self, deps: ChannelDeps) -> None:
        settings, outcomes = deps.settings, deps.outcomes
        self.guard = WebhookGuard(settings.webhook_https_only, settings.webhook_allow_hosts)
        callbacks = WebhookCallbacks(
            lambda job: outcomes.delivered(job.ref, self.route),
            lambda job: outcomes.retrying(job.ref, self.route),
            lambda job: outcomes.failed(job.ref, self.route, _failure(job), job.failures),
        )
        self.dispatcher = WebhookDispatcher(
            settings.webhook_secret,
            settings.retry,
            callbacks,
            workers=settings.webhook_workers,
            timeout_s=settings.webhook_timeout.total_seconds(),
            sender=deps.sender or guarded_post(self.guard),
            rng=random.random,
        )

    def problem(self, address: str) -> str:
        if not address:
            return url_problem(address)
        return self.guard.problem(address) or url_problem(address)

    def send(self, entry: Entry, address: str) -> None:
        body = json_format.MessageToJson(to_notification(entry), indent=None).encode()
        self.dispatcher.submit(WebhookJob(entry.passenger_id, address, body, entry))

    def close(self) -> None:
        self.dispatcher.close()


def _failure(job: WebhookJob) -> str:
    return f"HTTP {job.last_status}" if job.last_status is not None else "no answer"

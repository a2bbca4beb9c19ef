"""Which refused state writes the notifier sends again: each key's latest, and every dead letter."""

from __future__ import annotations

from kafka.future import Future

from rebook.notifier.state import _latest_failed, _Write
from rebook.v1 import notification_service_pb2 as pb


def _write(key: str, ok: bool | None, keyed_state: bool = True) -> _Write:
    future = Future()
    if ok is True:
        future.success(None)
    elif ok is False:
        future.failure(Exception("not acknowledged"))
    return _Write("state", key, pb.Notification(notification_id=key), keyed_state=keyed_state, future=future)


def test_only_a_keys_latest_refused_write_is_sent_again() -> None:
    made_failed, delivered_ok = _write("n/1", False), _write("n/1", True)
    both_failed_old, both_failed_new = _write("n/2", False), _write("n/2", False)
    pending = _write("n/3", None)
    writes = [made_failed, delivered_ok, both_failed_old, both_failed_new, pending]
    # n/1: the newer state is durable, the older must not overwrite it; n/2: only the newer.
    assert _latest_failed(writes) == [both_failed_new]


def test_every_refused_dead_letter_is_sent_again() -> None:
    first, second = _write("pax-1", False, keyed_state=False), _write("pax-1", False, keyed_state=False)
    assert _latest_failed([first, second, _write("d/1", True)]) == [first, second]

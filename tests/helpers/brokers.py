"""A broker of a test's own (to stop, restart or configure it without touching the shared one):
the shared broker's jars, its own ports and data, always stopped again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from rebook.tooling.local_kafka import LocalKafka
from rebook.tooling.net import free_port


@contextlib.contextmanager
def private_broker(run_dir: Path, **settings) -> Iterator[LocalKafka]:
    """Started in ``run_dir`` on free ports (``settings``: e.g. SASL listeners); stopped on exit."""
    shared = LocalKafka.from_env()
    if shared.libs.is_dir():
        (run_dir / "libs").symlink_to(shared.libs)  # the jars the Makefile already resolved
    broker = LocalKafka(
        root=shared.root,
        run_dir=run_dir,
        port=free_port(),
        controller_port=free_port(),
        heap="384m",
        start_timeout_s=240,
        **settings,
    )
    try:
        broker.up()
        yield broker
    finally:
        broker.down()

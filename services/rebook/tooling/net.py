"""Free local ports for services that development tooling and tests start.

A port the kernel hands out for ``bind(0)`` lies in the ephemeral range, which outgoing
connections (every Kafka client's) also draw from: between choosing it and the service binding
it, a connection can take it, and the service then fails to start.  So ports are drawn below the
ephemeral range, where the kernel never assigns one by itself.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_LOW, _HIGH = 20000, 32767  # below Linux's default ephemeral range (32768-60999)


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _HIGH + 1


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on or is bound to, outside the ephemeral range."""
    high = min(_HIGH, _ephemeral_floor() - 1)
    for _ in range(200):
        port = random.randint(_LOW, high)
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port on {host} between {_LOW} and {high}")

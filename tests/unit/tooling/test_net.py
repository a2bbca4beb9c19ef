import socket
from pathlib import Path

from rebook.tooling.net import free_port


def test_free_ports_are_bindable_and_outside_the_ephemeral_range() -> None:
    floor = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(20):
        port = free_port()
        assert 1024 < port < floor
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))

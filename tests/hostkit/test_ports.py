"""Free loopback ports."""

from __future__ import annotations

import socket

from hostkit.ports import LOOPBACK, can_bind, free_port


def test_a_free_port_can_be_listened_on_until_something_does() -> None:
    port = free_port()
    assert can_bind(port)
    with socket.socket() as server:
        server.bind((LOOPBACK, port))
        server.listen()
        assert not can_bind(port)

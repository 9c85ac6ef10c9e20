"""A loopback TCP relay that lets a client which cannot choose its source address (Locust)
reach the front door as a viewer of its own: it listens on 127.0.0.1 and opens each
connection onwards from a fresh 127.x.y.z, so the front door's WAF counts that client apart
from everything else on 127.0.0.1. Bytes pass unchanged, TLS included."""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.parse
from collections.abc import Callable
from types import TracebackType

from tests.integration.viewers import fresh_address

CONNECT_TIMEOUT = 10.0
CHUNK = 64 * 1024


class Relay:
    def __init__(self, url: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        assert parsed.hostname is not None, url
        self.scheme = parsed.scheme
        self.target = (parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
        self.address = fresh_address()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """Where the client connects: the target's scheme and host, the relay's port."""
        return f"{self.scheme}://{self.target[0]}:{self.listener.getsockname()[1]}"

    def __enter__(self) -> Relay:
        self._start(self._accept)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        # Shutting every socket down ends every thread (close alone would not wake a
        # blocked accept() or recv()): they return or raise.
        with self.lock:
            for sock in (self.listener, *self.sockets):
                with contextlib.suppress(OSError):  # not connected, or closed already
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        for thread in self.threads:
            thread.join(timeout=5)

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # the relay is closing
            try:
                upstream = socket.create_connection(
                    self.target, timeout=CONNECT_TIMEOUT, source_address=(self.address, 0)
                )
            except OSError:
                client.close()  # the client sees the front door refuse, as it would directly
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        """One direction of a connection, until its end of stream (passed on) or a close."""
        try:
            while data := source.recv(CHUNK):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            source.close()
            sink.close()

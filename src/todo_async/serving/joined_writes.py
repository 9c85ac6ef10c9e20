"""uvicorn's httptools protocol, with the writes of one event-loop turn sent as one.

uvicorn writes a response's head and then its body, and uvloop sends each at once: two
system calls and two TCP segments for every small response. Here a connection's writes
wait for the end of the loop turn that made them (the same turn, for a response built
in one piece) and go out joined. A write that brings the waiting bytes past
`MAX_HELD_BYTES` goes out at once, so a large body is never held back.

Overrides: the transport uvicorn's `HttpToolsProtocol` writes to. Registered as uvicorn's
`http` protocol class in `todo_async.cli.serve`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http import httptools_impl

MAX_HELD_BYTES = 64 * 1024


class JoinedWrites:
    """A connection's transport whose writes wait for the end of the loop turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)
        self._held_bytes += len(data)
        if self._held_bytes > MAX_HELD_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._held:
            return
        held, self._held, self._held_bytes = self._held, [], 0
        if not self._transport.is_closing():
            self._transport.write(b"".join(held))

    def close(self) -> None:
        # What was written before the close is sent before it, as a transport does.
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        # Everything else (reading, peer names, protocol changes) is the transport's own.
        return getattr(self._transport, name)


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined = JoinedWrites(transport, self.loop)
        super().connection_made(joined)  # type: ignore[arg-type]

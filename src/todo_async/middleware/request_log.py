"""One JSON log line per request, and a request id that follows it through the load balancer.

The lines of one event-loop turn go to the access logger as one record, at the end of the
turn: a record per request (and a write per record) cost more than the rest of a small
request's handling, while a turn under load often finishes several requests.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import os
import re
import time

from pydantic_core import to_json
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("todo_async.access")

_INCOMING_ID_HEADERS = (b"x-request-id", b"x-amzn-trace-id")
# Ids taken from a client go into logs and headers: printable, bounded, no spaces.
_VALID_ID = re.compile(rb"[A-Za-z0-9._:;=/+\-]{1,200}")
# Generated ids: a random per-process prefix and a counter. Unique like a UUID, without
# reading the system's random source on every request.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count()


class LinesPerTurn:
    """Lines waiting for the end of the loop turn that logged them."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        # The loop whose turn will flush them.
        self._flushing_on: asyncio.AbstractEventLoop | None = None

    def add(self, line: bytes) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._flushing_on:
            # The turn's first line; or lines of a loop that stopped before its turn ended.
            self.flush()
            loop.call_soon(self.flush)
            self._flushing_on = loop
        self._pending.append(line)

    def flush(self) -> None:
        self._flushing_on = None
        lines, self._pending = self._pending, []
        if lines:
            # As logger.info, without its search of the stack for a caller's file and
            # line, which the line does not print and which costs more than the rest.
            message = b"\n".join(lines).decode()
            logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None))


access_lines = LinesPerTurn()
# Lines of a turn the loop did not finish (the process stopping) go out at exit.
atexit.register(access_lines.flush)


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if logger.isEnabledFor(logging.INFO):
                client = scope.get("client")
                line = {
                    "time": time.time(),
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                    "client": client[0] if client else None,
                }
                access_lines.add(to_json(line))


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    found = dict(headers)
    for name in _INCOMING_ID_HEADERS:
        value = found.get(name)
        if value is not None and _VALID_ID.fullmatch(value):
            return value.decode()
    return f"{_ID_PREFIX}{next(_id_counter):016x}"

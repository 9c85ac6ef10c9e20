"""One JSON log line per request, and a request id that follows it through the load balancer.

The lines go out once per event-loop turn (`todo_async.serving.access_log`).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

from pydantic_core import to_json
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_async.serving.access_log import access_lines, logger

_INCOMING_ID_HEADERS = (b"x-request-id", b"x-amzn-trace-id")
# Ids taken from a client go into logs and headers: printable, bounded, no spaces.
_VALID_ID = re.compile(rb"[A-Za-z0-9._:;=/+\-]{1,200}")
# Generated ids: a random per-process prefix and a counter. Unique like a UUID, without
# reading the system's random source on every request.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count()


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

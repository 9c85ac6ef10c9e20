"""A release that is healthy and wrong, on purpose: every request whose path starts with
`FAULT_SERVER_ERRORS_PATH` is answered 500 (a problem document), everything else served.

What deployment safety is tested with: the health check passes, so only the deployment
alarms (5xx, latency) can tell this release is bad and roll it back. Unset, the middleware
is not installed at all; the deployed stack sets it only from its `faultServerErrorsPath`
context option, empty by default.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

BODY = json.dumps(
    {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "A fault injected on purpose (FAULT_SERVER_ERRORS_PATH).",
    }
).encode()


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp, *, path_prefix: str) -> None:
        self.app = app
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(BODY)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": BODY})

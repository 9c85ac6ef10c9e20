"""Starlette's CORS middleware, with a short way through for requests that are not CORS.

Without an Origin header all the middleware does is add `Origin` to the response's Vary
header. Most requests (the load balancer's, other services', curl's) send none: they skip
the parsing of the request's headers and rebuilding of the response's that a cross-origin
request needs. Requests with an Origin get Starlette's handling unchanged.

Overrides: `starlette.middleware.cors.CORSMiddleware.__call__`; `todo_async.app` adds it
with the options it would give Starlette's.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware import cors
from starlette.types import Message, Receive, Scope, Send

_VARY_ORIGIN = (b"vary", b"Origin")


class CORSMiddleware(cors.CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if any(name.lower() == b"vary" for name, _ in headers):
                    # Starlette merges an existing Vary into one header.
                    await self.send(message, send, Headers(scope=scope))
                    return
                message["headers"] = [*headers, _VARY_ORIGIN]
            await send(message)

        await self.app(scope, receive, send_with_vary)

"""Browser security headers on every HTTP response.

The page loads only its own files and talks only to its own API, so the policy allows
nothing else: no inline script or style, no other origin, no framing, and (the page
never writes HTML from strings) no DOM sink without a Trusted Type. JSON responses
get the same headers, which is harmless for API clients: CORS is decided by the CORS
middleware's own headers, and Cross-Origin-Resource-Policy applies only to no-cors
loads (an `<img>` or `<script>` on another site), never to a CORS `fetch`.

A header the response already carries is left as it is, so a route can set its own.
Strict-Transport-Security goes only on HTTPS responses (after the proxy-headers
middleware has applied X-Forwarded-Proto): browsers ignore it over plain HTTP. A response
to a user's own credentials (the authentication middleware, further in, says so in
scope["auth"]) gets `Cache-Control: no-store`: no shared or browser cache keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_async.middleware.authentication import PER_USER

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
)

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = (*HEADERS, HSTS) if scope.get("scheme") == "https" else HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in extra if header[0] not in present)
                if scope.get("auth") in PER_USER and b"cache-control" not in present:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

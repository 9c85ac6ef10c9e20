"""Refuse unsafe requests another site's page makes a browser send, unless they carry a token.

A browser attaches the session cookie by itself; a token it never does. So any unsafe
request not authenticated by a token (cookie-authenticated ones, and sign-in and sign-up,
which would otherwise sign a victim in to an attacker's account) must come from the page's
own origin. The check is the one Go's net/http CrossOriginProtection makes: a browser's
`Sec-Fetch-Site` must say same-origin (or none: the user's own navigation); without it, an
`Origin` must name this host; a request with neither is not from a modern browser, and
the cookie's SameSite=Strict still keeps an old one from sending it cross-site.

Runs after the authentication middleware, which says in scope["auth"] how a request
authenticated.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from todo_async.problems import Problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAME_ORIGIN_FETCHES = (b"same-origin", b"none")


class CrossSiteProtectionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and "token" not in scope["auth"].scopes
            and _cross_site(scope["headers"])
        ):
            refused = Problem(403, "Cross-site request refused: send it from this site's page.")
            await refused.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _cross_site(headers: list[tuple[bytes, bytes]]) -> bool:
    fetch_site = origin = host = None
    for name, value in headers:
        if name == b"sec-fetch-site":
            fetch_site = value
        elif name == b"origin":
            origin = value
        elif name == b"host":
            host = value
    if fetch_site is not None:
        return fetch_site.lower() not in _SAME_ORIGIN_FETCHES
    if origin is None:
        return False
    # The host only, not the scheme: behind a TLS-terminating proxy the app may see http.
    return host is None or urlsplit(origin.decode("latin-1")).netloc.lower() != (
        host.decode("latin-1").lower()
    )

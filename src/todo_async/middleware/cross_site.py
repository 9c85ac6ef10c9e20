"""Whether an unsafe request not made with a token comes from another site's page.

A browser attaches the session cookie by itself; a token it never does. So any unsafe
request not authenticated by a token (cookie-authenticated ones, and sign-in and sign-up,
which would otherwise sign a victim in to an attacker's account) must come from the page's
own origin. The check is the one Go's net/http CrossOriginProtection makes: a browser's
`Sec-Fetch-Site` must say same-origin (or none: the user's own navigation); without it, an
`Origin` must name this host; a request with neither is not from a modern browser, and
the cookie's SameSite=Strict still keeps an old one from sending it cross-site.

The authentication middleware asks it once it knows how a request authenticated, and
refuses them with `REFUSED` in accounts mode.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSED = "Cross-site request refused: send it from this site's page."
_SAME_ORIGIN_FETCHES = (b"same-origin", b"none")


def cross_site(headers: list[tuple[bytes, bytes]]) -> bool:
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

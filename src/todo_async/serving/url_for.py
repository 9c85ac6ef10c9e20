"""A route's URL kept per origin, instead of Starlette's `url_for` built for every request.

`request.url_for(name)` walks every route to find the one named and parses the URL it
builds: on a list request that cost more than the query. The URL depends only on the
route and where the request came in (scheme, Host, server address, root path), so it is
built once per route and origin. Bounded: a client inventing Host headers gets no bigger
cache, only a rebuilt one.

Overrides: `starlette.requests.Request.url_for` (as `str(request.url_for(name))`), for
the todos' collection URL that every todo's `url` and the list's Link start from.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

MAX_ORIGINS = 64
_urls: dict[tuple[Any, ...], str] = {}


def url_for(request: Request, name: str) -> str:
    scope = request.scope
    host = next((value for header, value in scope["headers"] if header == b"host"), None)
    root_path = scope.get("app_root_path", scope.get("root_path", ""))
    key = (name, scope["scheme"], host, scope.get("server"), root_path)
    url = _urls.get(key)
    if url is None:
        if len(_urls) >= MAX_ORIGINS:
            _urls.clear()
        url = _urls[key] = str(request.url_for(name))
    return url

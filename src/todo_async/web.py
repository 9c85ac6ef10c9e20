"""The web page: `GET /` and its static files under `/static`.

Caching. The page refers to each static file as `/static/NAME?v=HASH`, HASH being the
start of the SHA-256 of the file's content, written into the HTML once per process (the
files ship with the package and do not change while it runs).
A static response whose `v` matches the content it carries is cached for a year as
immutable: a changed file gets a new URL, so no one keeps a stale copy. Any other
static request (no `v`, as for the module that `app.js` imports, or a `v` from another
release, as during a rolling deploy when the page and the file come from different
tasks) and the page itself get `no-cache`: the browser keeps the copy but asks again
each time, and the ETag / Last-Modified answer is an empty 304 while nothing changed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

STATIC_DIR = (Path(__file__).parent / "static").resolve()
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_STATIC_REFERENCE = re.compile(r'(?P<attr>(?:src|href))="/static/(?P<name>[A-Za-z0-9_.-]+)"')


@functools.cache
def fingerprint(name: str) -> str:
    """The version of a static file: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


@functools.cache
def _page() -> tuple[bytes, str]:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    versioned = _STATIC_REFERENCE.sub(
        lambda match: f'{match["attr"]}="/static/{match["name"]}?v={fingerprint(match["name"])}"',
        html,
    )
    body = versioned.encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:16]}"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    if if_none_match is None:
        return False
    tags = [candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")]
    return "*" in tags or tag in tags


async def index(request: Request) -> Response:
    body, tag = _page()
    headers = {"ETag": tag, "Cache-Control": REVALIDATE}
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="text/html")


class _StaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        response.headers["Cache-Control"] = _cache_control(Path(full_path), scope)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def _cache_control(path: Path, scope: Scope) -> str:
    requested = Request(scope).query_params.get("v")
    if requested and path.parent == STATIC_DIR and requested == fingerprint(path.name):
        return IMMUTABLE
    return REVALIDATE


routes = [
    Route("/", index, methods=["GET"], name="index"),
    Mount("/static", app=_StaticFiles(directory=STATIC_DIR), name="static"),
]

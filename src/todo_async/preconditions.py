"""ETags and If-Match: a write based on a stale copy gets 412 instead of overwriting."""

from __future__ import annotations

import re

from starlette.requests import Request

from todo_async.problems import Problem

_ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
_OUR_TAG = re.compile(r"v([0-9]{1,9})")


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_versions(request: Request) -> frozenset[int] | None:
    """The versions If-Match accepts; None when any version will do (absent or `*`)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    versions = set()
    position = 0
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            raise Problem(400, "If-Match must be `*` or a list of entity tags.")
        weak, tag = match.groups()
        # If-Match uses the strong comparison: a weak tag never matches.
        ours = _OUR_TAG.fullmatch(tag)
        if not weak and ours:
            versions.add(int(ours.group(1)))
        position = match.end()
    return frozenset(versions)


def precondition_failed() -> Problem:
    return Problem(412, "The todo changed since it was read; fetch it again and retry.")

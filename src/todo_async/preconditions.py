"""ETags and If-Match: a write based on a stale copy gets 412 instead of overwriting."""

from __future__ import annotations

import re

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request

from todo_async.problems import Problem
from todo_async.schemas import IfMatch

_IF_MATCH = TypeAdapter[str](IfMatch)
_ENTITY_TAG = re.compile(r'(W/)?"([^"]*)"')
_OUR_TAG = re.compile(r"v([0-9]{1,9})")


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_versions(request: Request) -> frozenset[int] | None:
    """The versions If-Match accepts; None when any version will do (absent or `*`)."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    try:
        _IF_MATCH.validate_python(header)
    except ValidationError:
        # A header that is empty or not HTTP's syntax is a malformed request, not a mismatch.
        raise Problem(400, "If-Match must be `*` or a list of entity tags.") from None
    if header.strip() == "*":
        return None
    versions = set()
    for weak, tag in _ENTITY_TAG.findall(header):
        # If-Match uses the strong comparison: a weak tag never matches.
        ours = _OUR_TAG.fullmatch(tag)
        if not weak and ours:
            versions.add(int(ours.group(1)))
    return frozenset(versions)


def precondition_failed() -> Problem:
    return Problem(412, "The todo changed since it was read; fetch it again and retry.")

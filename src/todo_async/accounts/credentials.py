"""Session and token secrets: random, shown to their holder once, stored only as a digest."""

from __future__ import annotations

import hashlib
import importlib
import secrets
from collections.abc import Callable
from typing import Any

# The page's session: its cookie holds the secret, the database its digest.
SESSION_COOKIE = "todo_session"
# Its name over HTTPS: browsers accept a __Host- cookie only with Secure, Path=/ and no
# Domain, so no plain-HTTP page or sibling subdomain can set one in its place.
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE
# A personal access token says what it is (for secret scanners and for people).
TOKEN_PREFIX = "tdat_"
_SECRET_BYTES = 32
# Longer than any secret this service hands out: not worth a lookup.
MAX_SECRET = 200


def session_cookie(scheme: str) -> str:
    """The session cookie's name for a request made over `scheme` (as the viewer used it)."""
    return SECURE_SESSION_COOKIE if scheme == "https" else SESSION_COOKIE


def new_session_secret() -> str:
    return secrets.token_urlsafe(_SECRET_BYTES)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def _sha256() -> Callable[[bytes], Any]:
    """Python's own SHA-256 where it has one, else hashlib's (OpenSSL's).

    The same digest either way. Every authenticated request hashes its secret once, and
    through OpenSSL 3.0 a hash of a few dozen bytes costs its context's set-up, copy and
    teardown: measured inside a request, 4-6 µs of CPU against about 1 µs for Python's
    own, though both take under 1 µs in a loop of nothing else (docs/benchmarks.md).
    """
    for module in ("_sha2", "_sha256"):  # Python 3.12+, 3.11
        try:
            return importlib.import_module(module).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_SHA256 = _sha256()


def digest(secret: str) -> bytes:
    """What the database keeps: 256 random bits need no slow hash, only a one-way one."""
    return _SHA256(secret.encode()).digest()  # type: ignore[no-any-return]

"""Session and token secrets: random, shown to their holder once, stored only as a digest."""

from __future__ import annotations

import hashlib
import secrets

# The page's session: its cookie holds the secret, the database its digest.
SESSION_COOKIE = "todo_session"
# Its name over HTTPS: browsers accept a __Host- cookie only with Secure, Path=/ and no
# Domain, so no plain-HTTP page or sibling subdomain can set one in its place.
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE
# A personal access token says what it is (for secret scanners and for people).
TOKEN_PREFIX = "tdat_"
_SECRET_BYTES = 32


def session_cookie(scheme: str) -> str:
    """The session cookie's name for a request made over `scheme` (as the viewer used it)."""
    return SECURE_SESSION_COOKIE if scheme == "https" else SESSION_COOKIE


def new_session_secret() -> str:
    return secrets.token_urlsafe(_SECRET_BYTES)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def digest(secret: str) -> bytes:
    """What the database keeps: 256 random bits need no slow hash, only a one-way one."""
    return hashlib.sha256(secret.encode()).digest()

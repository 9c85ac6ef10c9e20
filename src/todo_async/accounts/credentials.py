"""Session and token secrets: random, shown to their holder once, stored only as a digest."""

from __future__ import annotations

import hashlib
import secrets

# The page's session: its cookie holds the secret, the database its digest.
SESSION_COOKIE = "todo_session"
# A personal access token says what it is (for secret scanners and for people).
TOKEN_PREFIX = "tdat_"
_SECRET_BYTES = 32
# Longer than any secret this service hands out: not worth a lookup.
MAX_SECRET = 200


def new_session_secret() -> str:
    return secrets.token_urlsafe(_SECRET_BYTES)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def digest(secret: str) -> bytes:
    """What the database keeps: 256 random bits need no slow hash, only a one-way one."""
    return hashlib.sha256(secret.encode()).digest()

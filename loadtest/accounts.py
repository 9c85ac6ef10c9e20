"""Who a simulated user is: the server's mode, and in accounts mode the name and password it
signs in with (a new account, or one of --accounts-file's in turn).

Plain functions and data, no requests: the locustfile sends them and reports failures.
"""

from __future__ import annotations

import itertools
import secrets
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPEN = "open"
ACCOUNTS = "accounts"


def mode_of(status: int, body: Any) -> str | None:
    """The server's mode from its answer to GET /api/session without credentials, or None
    when the answer makes no sense.

    Accounts mode: 401 (signed out). Open mode: 200 saying so, or 404 from a server that
    predates accounts (no such route).
    """
    if status == 401:
        return ACCOUNTS
    if status == 404:
        return OPEN
    if status == 200 and isinstance(body, dict) and body.get("mode") == OPEN:
        return OPEN
    return None


@dataclass(frozen=True)
class Login:
    username: str
    password: str

    def body(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}


def new_login() -> Login:
    """A name nobody has (the API takes 3-32 of [a-z0-9_.-]) and a strong password."""
    return Login(f"load-{uuid.uuid4().hex[:16]}", secrets.token_urlsafe(18))


def read_logins(path: Path) -> list[Login]:
    """--accounts-file: one NAME:PASSWORD a line (blank lines and # comments skipped)."""
    logins = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        username, colon, password = text.partition(":")
        if not (colon and username and password):
            raise ValueError(f"{path}:{number}: want NAME:PASSWORD")
        logins.append(Login(username, password))
    if not logins:
        raise ValueError(f"{path}: no NAME:PASSWORD line")
    return logins


class Logins:
    """Where each simulated user's login comes from: a new account each (sign-up), or the
    file's accounts in turn, shared once there are more users than accounts (each user
    keeps to its own category, so sharing an account changes none of its checks)."""

    def __init__(self, path: Path | None = None) -> None:
        self.signs_up = path is None
        self._turns: Iterator[Login] | None = (
            None if path is None else itertools.cycle(read_logins(path))
        )

    def next(self) -> Login:
        return new_login() if self._turns is None else next(self._turns)


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(host: str) -> str:
    """The Origin a page served from `host` sends (no default port, as in the Host header
    the client sends): what the cross-site check compares."""
    parts = urllib.parse.urlsplit(host)
    port = "" if parts.port in (None, DEFAULT_PORTS.get(parts.scheme)) else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname}{port}"

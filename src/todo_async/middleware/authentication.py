"""Who a request comes from: scope["user"] is the Owner whose todos it works on.

Open mode puts the shared list there. Accounts mode reads a personal access token
(`Authorization: Bearer ...`) or else the page's session cookie; a request with neither,
or with one the store does not know, gets an unauthenticated user, and each endpoint that
needs an owner answers it 401 (`identity.owner_of`). A request that sends a token is
judged by that token alone, even when a cookie comes with it.
"""

from __future__ import annotations

import datetime as dt

from starlette.authentication import AuthCredentials, UnauthenticatedUser
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_async.accounts.credentials import digest, session_cookie
from todo_async.accounts.identity import OPEN_LIST, Owner
from todo_async.accounts.store import AccountStore

_OPEN = AuthCredentials(["open"])
_BY_TOKEN = AuthCredentials(["token"])
_BY_SESSION = AuthCredentials(["session"])
_NONE = AuthCredentials()
_ANONYMOUS = UnauthenticatedUser()
_BEARER = b"bearer "
# Longer than any secret this service hands out: not worth a lookup.
_MAX_SECRET = 200


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp, *, accounts: AccountStore | None) -> None:
        """`accounts` None: open mode, every request works on the shared list."""
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.accounts is None:
                scope["user"], scope["auth"] = OPEN_LIST, _OPEN
            else:
                scope["user"], scope["auth"] = await self._authenticate(
                    scope["headers"], session_cookie(scope["scheme"])
                )
        await self.app(scope, receive, send)

    async def _authenticate(
        self, headers: list[tuple[bytes, bytes]], cookie_name: str
    ) -> tuple[Owner | UnauthenticatedUser, AuthCredentials]:
        assert self.accounts is not None
        cookie = None
        for name, value in headers:
            if name == b"authorization":
                if value[:7].lower() != _BEARER:
                    return _ANONYMOUS, _NONE
                token = value[7:].strip().decode("latin-1")
                owner = None
                if len(token) <= _MAX_SECRET:
                    owner = await self.accounts.token_owner(digest(token))
                return (owner, _BY_TOKEN) if owner else (_ANONYMOUS, _NONE)
            if name == b"cookie":
                cookie = value
        if cookie is None:
            return _ANONYMOUS, _NONE
        # Over HTTPS only the __Host- cookie counts: a plain one may have been set by anyone
        # on the path over plain HTTP.
        secret = cookie_parser(cookie.decode("latin-1")).get(cookie_name)
        if not secret or len(secret) > _MAX_SECRET:
            return _ANONYMOUS, _NONE
        owner = await self.accounts.session_owner(digest(secret), dt.datetime.now(dt.UTC))
        return (owner, _BY_SESSION) if owner else (_ANONYMOUS, _NONE)

"""Who a request comes from: scope["user"] is the Owner whose todos it works on.

Open mode puts the shared list there. Accounts mode reads a personal access token
(`Authorization: Bearer ...`) or else the page's session cookie; a request with neither,
or with one the store does not know, gets an unauthenticated user, and each endpoint that
needs an owner answers it 401 (`identity.owner_of`). A request that sends a token is
judged by that token alone, even when a cookie comes with it.

What a request with valid credentials gets is that user's: `PER_USER` names how it
authenticated, and the security headers middleware gives its response
`Cache-Control: no-store` (unless it says otherwise), so no shared or browser cache keeps
one user's todos, categories or tokens. That middleware already handles every response's
headers: one send wrapper per request, not a second one here.

The health probes (`public_paths`) are never authenticated: liveness must not depend on
the database, which a credential lookup may need, even when a probe carries a token.

In accounts mode the cross-site check (`cross_site.py`) runs here too, once a request's
credentials are known: one layer, not two.
"""

from __future__ import annotations

import datetime as dt

from starlette._utils import get_route_path
from starlette.authentication import AuthCredentials, UnauthenticatedUser
from starlette.requests import HTTPConnection, cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_async.accounts import events
from todo_async.accounts.credentials import MAX_SECRET, digest, session_cookie
from todo_async.accounts.identity import OPEN_LIST, Owner
from todo_async.accounts.store import AccountStore, ExpiredToken
from todo_async.middleware.cross_site import REFUSED, SAFE_METHODS, cross_site
from todo_async.problems import Problem

_OPEN = AuthCredentials(["open"])
_BY_TOKEN = AuthCredentials(["token"])
_BY_SESSION = AuthCredentials(["session"])
_NONE = AuthCredentials()
_ANONYMOUS = UnauthenticatedUser()
_BEARER = b"bearer "
# What a user's own credentials authenticated: the answer is that user's alone.
PER_USER = (_BY_TOKEN, _BY_SESSION)


class AuthenticationMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        accounts: AccountStore | None,
        session_idle_s: float,
        public_paths: frozenset[str] = frozenset(),
    ) -> None:
        """`accounts` None: open mode, every request works on the shared list."""
        self.app = app
        self.accounts = accounts
        self.session_idle_s = session_idle_s
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.accounts is None:
                scope["user"], scope["auth"] = OPEN_LIST, _OPEN
            else:
                scope["user"], scope["auth"] = (
                    (_ANONYMOUS, _NONE)
                    if get_route_path(scope) in self.public_paths
                    else await self._authenticate(scope)
                )
                # A browser sends the cookie by itself, never a token.
                if (
                    scope["auth"] is not _BY_TOKEN
                    and scope["method"] not in SAFE_METHODS
                    and cross_site(scope["headers"])
                ):
                    await Problem(403, REFUSED).response()(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _authenticate(
        self, scope: Scope
    ) -> tuple[Owner | UnauthenticatedUser, AuthCredentials]:
        assert self.accounts is not None
        cookie = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if value[:7].lower() != _BEARER:
                    return _ANONYMOUS, _NONE
                token = value[7:].strip().decode("latin-1")
                if len(token) > MAX_SECRET:
                    return _ANONYMOUS, _NONE
                key = digest(token)
                known, owner = self.accounts.recall(key)
                if known:
                    return (owner, _BY_TOKEN) if owner else (_ANONYMOUS, _NONE)
                found = await self.accounts.token_owner(key, dt.datetime.now(dt.UTC))
                if isinstance(found, ExpiredToken):
                    events.record("token_expired", HTTPConnection(scope), found.user_id)
                    return _ANONYMOUS, _NONE
                return (found, _BY_TOKEN) if found else (_ANONYMOUS, _NONE)
            if name == b"cookie":
                cookie = value
        if cookie is None:
            return _ANONYMOUS, _NONE
        # Over HTTPS only the __Host- cookie counts: a plain one may have been set by anyone
        # on the path over plain HTTP.
        secret = cookie_parser(cookie.decode("latin-1")).get(session_cookie(scope["scheme"]))
        if not secret or len(secret) > MAX_SECRET:
            return _ANONYMOUS, _NONE
        key = digest(secret)
        known, owner = self.accounts.recall(key)
        if not known:
            now = dt.datetime.now(dt.UTC)
            owner = await self.accounts.session_owner(key, now, self.session_idle_s)
        return (owner, _BY_SESSION) if owner else (_ANONYMOUS, _NONE)

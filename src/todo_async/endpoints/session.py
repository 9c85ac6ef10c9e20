"""Sign-in and sign-out: /api/session, and the page's session cookie.

The cookie holds a random secret the database knows only by its digest. HttpOnly keeps it
from scripts, SameSite=Strict from other sites' requests, Secure and the __Host- name (over
HTTPS) from plain HTTP; it lasts as long as the session does on the server.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts.credentials import digest, new_session_secret, session_cookie
from todo_async.accounts.identity import CHALLENGE, owner_of
from todo_async.accounts.passwords import verify_password
from todo_async.accounts.sign_in_limits import SignInLimits
from todo_async.endpoints.account_state import account_store, settings_of
from todo_async.endpoints.resource import Resource
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.request_input import read_json
from todo_async.schemas import SessionState, SignIn

# What the session answers is this user's, and sign-in's answer starts a session.
_PRIVATE = {"Cache-Control": "no-store"}


def _set_cookie(request: Request, response: Response, secret: str, max_age: int) -> None:
    response.set_cookie(
        session_cookie(request.url.scheme),
        secret,
        max_age=max_age,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


class Session(Resource):
    """Accounts mode: who is signed in, sign in, sign out."""

    async def get(self, request: Request) -> Response:
        owner = owner_of(request)
        state = SessionState(username=owner.username, mode="accounts")
        return JSONResponse(state.model_dump(), headers=_PRIVATE)

    async def post(self, request: Request) -> Response:
        settings = settings_of(request)
        body = await read_json(request, SignIn, settings.max_body_bytes)
        limits: SignInLimits = request.app.state.sign_in_limits
        attempt = limits.attempt(request.client.host if request.client else None)
        store = account_store(request)
        found = await store.password_hash(body.username)
        if found is not None:
            attempt.account(found[0].id)
        # An unknown name costs a hash too, and gets the same answer: neither the time
        # nor the words tell which usernames exist.
        verified = await verify_password(found[1] if found else None, body.password)
        if found is None or not verified:
            raise Problem(401, "Wrong username or password.", headers=CHALLENGE)
        attempt.succeeded()
        user = found[0]
        replaced = request.cookies.get(session_cookie(request.url.scheme))
        if replaced:
            await store.end_session(digest(replaced))
        secret = new_session_secret()
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.session_ttl_s)
        await store.start_session(user.id, digest(secret), expires_at)
        state = SessionState(username=user.username, mode="accounts")
        response = JSONResponse(state.model_dump(), headers=_PRIVATE)
        _set_cookie(request, response, secret, settings.session_ttl_s)
        return response

    async def delete(self, request: Request) -> Response:
        """Sign out: the session ends on the server and the cookie goes; 204 even if none."""
        secret = request.cookies.get(session_cookie(request.url.scheme))
        if secret:
            await account_store(request).end_session(digest(secret))
        response = Response(status_code=204)
        _set_cookie(request, response, "", 0)
        return response


async def open_session(request: Request) -> Response:
    """Open mode: no one signs in; the page asks this to know which mode it is in."""
    return JSONResponse(SessionState(username=None, mode="open").model_dump())


routes = [Route("/api/session", Session, name="session")]
open_routes = [Route("/api/session", open_session, methods=["GET"], name="session")]

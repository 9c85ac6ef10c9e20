"""Sign-in and sign-out: /api/session, and the page's session cookie.

The cookie holds a random secret the database knows only by its digest. HttpOnly keeps it
from scripts, SameSite=Strict from other sites' requests, Secure and the __Host- name (over
HTTPS) from plain HTTP; it lasts as long as the session does on the server. A second
cookie, the device cookie (`guard`), marks a browser that signed in before, with the same
attributes.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts import events
from todo_async.accounts.credentials import digest, new_session_secret, session_cookie
from todo_async.accounts.guard import DEVICE_TTL_S, device_cookie
from todo_async.accounts.identity import owner_of
from todo_async.endpoints.account_state import account_store, settings_of
from todo_async.endpoints.password_check import checked_user
from todo_async.rendering import JSONResponse
from todo_async.request_input import read_json
from todo_async.schemas import SessionState, SignIn
from todo_async.serving.endpoint import HTTPEndpoint

# What the session answers is this user's, and sign-in's answer starts a session.
_PRIVATE = {"Cache-Control": "no-store"}


def _set_cookie(request: Request, response: Response, name: str, secret: str, max_age: int) -> None:
    response.set_cookie(
        name,
        secret,
        max_age=max_age,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    _set_cookie(request, response, session_cookie(request.url.scheme), "", 0)


class Session(HTTPEndpoint):
    """Accounts mode: who is signed in, sign in, sign out."""

    async def get(self, request: Request) -> Response:
        owner = owner_of(request)
        state = SessionState(username=owner.username, mode="accounts")
        return JSONResponse(state.model_dump(), headers=_PRIVATE)

    async def post(self, request: Request) -> Response:
        settings = settings_of(request)
        body = await read_json(request, SignIn, settings.max_body_bytes)
        user, from_device = await checked_user(request, body.username, body.password)
        store = account_store(request)
        replaced = request.cookies.get(session_cookie(request.url.scheme))
        if replaced:
            await store.end_session(digest(replaced))
        secret = new_session_secret()
        now = dt.datetime.now(dt.UTC)
        await store.start_session(
            user.id,
            digest(secret),
            now + dt.timedelta(seconds=settings.session_ttl_s),
            settings.sessions_per_user,
        )
        device_name = device_cookie(request.url.scheme)
        device_secret = request.cookies.get(device_name) if from_device else None
        device_secret = device_secret or new_session_secret()
        await store.remember_device(
            user.id, digest(device_secret), now + dt.timedelta(seconds=DEVICE_TTL_S)
        )
        events.record("sign_in", request, user.id)
        state = SessionState(username=user.username, mode="accounts")
        response = JSONResponse(state.model_dump(), headers=_PRIVATE)
        _set_cookie(
            request, response, session_cookie(request.url.scheme), secret, settings.session_ttl_s
        )
        _set_cookie(request, response, device_name, device_secret, DEVICE_TTL_S)
        return response

    async def delete(self, request: Request) -> Response:
        """Sign out: the session ends on the server and the cookie goes; 204 even if none."""
        secret = request.cookies.get(session_cookie(request.url.scheme))
        if secret:
            await account_store(request).end_session(digest(secret))
        response = Response(status_code=204)
        clear_session_cookie(request, response)
        return response


async def open_session(request: Request) -> Response:
    """Open mode: no one signs in; the page asks this to know which mode it is in."""
    return JSONResponse(SessionState(username=None, mode="open").model_dump())


routes = [Route("/api/session", Session, name="session")]
open_routes = [Route("/api/session", open_session, methods=["GET"], name="session")]

"""Sign-up: POST /api/users makes an account (unless sign-up is closed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts import events
from todo_async.accounts.events import client_address
from todo_async.endpoints.account_state import account_store, guard_of, hashing_of, settings_of
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.request_input import read_json
from todo_async.schemas import Account, SignUp


async def sign_up(request: Request) -> Response:
    settings = settings_of(request)
    if not settings.sign_up_open:
        raise Problem(403, "Sign-up is closed: ask the administrator for an account.")
    body = await read_json(request, SignUp, settings.max_body_bytes)
    hashing = hashing_of(request)
    with hashing.slot():
        # Every attempt counts, made or not: a burst from one address or from everywhere is
        # refused before it costs a hash.
        await guard_of(request).sign_up(client_address(request))
        password_hash = await hashing.hash(body.password)
    user = await account_store(request).create_user(body.username, password_hash)
    if user is None:
        raise Problem(409, f"The username {body.username!r} is taken.")
    events.record("sign_up", request, user.id)
    account = Account(username=user.username, created_at=user.created_at)
    return JSONResponse(account.model_dump(), 201)


routes = [Route("/api/users", sign_up, methods=["POST"], name="users")]

"""The signed-in user's own account: /api/account.

GET tells who and since when; DELETE (with the password) deletes the account with every
todo, session and token of it; /password changes the password (the current one required),
ending every other session and every token; /sessions DELETE signs out everywhere;
/export answers every todo as one JSON document. Changing anything takes the signed-in
session (a token cannot), and a password asked for again counts against the guess budget.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts import events
from todo_async.accounts.credentials import digest, session_cookie
from todo_async.accounts.export import export_document
from todo_async.accounts.identity import Owner, owner_of
from todo_async.accounts.store import User
from todo_async.endpoints.account_state import account_store, hashing_of, settings_of
from todo_async.endpoints.password_check import checked_user
from todo_async.endpoints.session import clear_session_cookie
from todo_async.endpoints.tokens import signed_in_session
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.repository import TodoRepository
from todo_async.request_input import read_json
from todo_async.schemas import Account, AccountDeletion, PasswordChange
from todo_async.serving.endpoint import HTTPEndpoint


async def _user(request: Request, owner: Owner) -> User:
    found = await account_store(request).password_hash(owner.username or "")
    if found is None:  # deleted a moment ago, by another request
        raise Problem(401, "Sign in again.")
    return found[0]


class AccountItem(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        user = await _user(request, owner_of(request))
        return JSONResponse(
            Account(username=user.username, created_at=user.created_at).model_dump()
        )

    async def delete(self, request: Request) -> Response:
        owner = owner_of(request)
        signed_in_session(request)
        body = await read_json(request, AccountDeletion, settings_of(request).max_body_bytes)
        user, _ = await checked_user(request, owner.username or "", body.password)
        await account_store(request).delete_user(user.username)
        events.record("account_deleted", request, user.id)
        response = Response(status_code=204)
        clear_session_cookie(request, response)
        return response


async def change_password(request: Request) -> Response:
    owner = owner_of(request)
    signed_in_session(request)
    body = await read_json(request, PasswordChange, settings_of(request).max_body_bytes)
    user, _ = await checked_user(request, owner.username or "", body.current_password)
    hashing = hashing_of(request)
    with hashing.slot():
        new_hash = await hashing.hash(body.new_password)
    this_session = request.cookies.get(session_cookie(request.url.scheme))
    await account_store(request).change_password(
        user.id, new_hash, digest(this_session) if this_session else None
    )
    events.record("password_changed", request, user.id)
    return Response(status_code=204)


async def sign_out_everywhere(request: Request) -> Response:
    owner = owner_of(request)
    signed_in_session(request)
    ended = await account_store(request).end_sessions(owner.id)
    events.record("signed_out_everywhere", request, owner.id, sessions=ended)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


async def export(request: Request) -> Response:
    owner = owner_of(request)
    repository: TodoRepository = request.app.state.repository
    document = await export_document(repository, owner.id, owner.username or "")
    headers = {"Content-Disposition": 'attachment; filename="todos.json"'}
    return JSONResponse(document, headers=headers)


routes = [
    Route("/api/account", AccountItem, name="account"),
    Route("/api/account/password", change_password, methods=["PUT"], name="password"),
    Route("/api/account/sessions", sign_out_everywhere, methods=["DELETE"], name="sessions"),
    Route("/api/account/export", export, methods=["GET"], name="export"),
]

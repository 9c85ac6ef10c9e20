"""Personal access tokens: /api/tokens. A token is shown once, when made; then only its name."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts.credentials import digest, new_token
from todo_async.accounts.identity import owner_of
from todo_async.endpoints.account_state import account_store, settings_of
from todo_async.endpoints.resource import Resource
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.request_input import read_json, read_row_id
from todo_async.schemas import NewToken, Token, TokenCreate


class TokenCollection(Resource):
    async def get(self, request: Request) -> Response:
        owner = owner_of(request)
        tokens = await account_store(request).tokens(owner.id)
        return JSONResponse(
            [Token(id=t.id, name=t.name, created_at=t.created_at).model_dump() for t in tokens]
        )

    async def post(self, request: Request) -> Response:
        owner = owner_of(request)
        body = await read_json(request, TokenCreate, settings_of(request).max_body_bytes)
        secret = new_token()
        info = await account_store(request).create_token(owner.id, body.name, digest(secret))
        created = NewToken(id=info.id, name=info.name, created_at=info.created_at, token=secret)
        headers = {
            "Location": str(request.url_for("token", id=info.id)),
            # The only time the secret is shown: no cache may keep it.
            "Cache-Control": "no-store",
        }
        return JSONResponse(created.model_dump(), 201, headers=headers)


class TokenItem(Resource):
    async def delete(self, request: Request) -> Response:
        """Revoke a token: requests with it are refused from now on."""
        owner = owner_of(request)
        token_id = read_row_id(request, _no_such_token)
        if not await account_store(request).revoke_token(owner.id, token_id):
            raise _no_such_token(token_id)
        return Response(status_code=204)


def _no_such_token(token_id: int) -> Problem:
    # Someone else's token is as absent as one that never was.
    return Problem(404, f"You have no token {token_id}.")


routes = [
    Route("/api/tokens", TokenCollection, name="tokens"),
    Route("/api/tokens/{id:row_id}", TokenItem, name="token"),
]

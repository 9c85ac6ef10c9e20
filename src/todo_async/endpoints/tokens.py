"""Personal access tokens: /api/tokens. A token is shown once, when made; then only its name,
its expiry and when it was last used.

Only a signed-in session makes tokens: a token cannot make more of itself, so revoking a
stolen one (or changing the password) ends what the thief holds.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts import events
from todo_async.accounts.credentials import digest, new_token
from todo_async.accounts.identity import owner_of
from todo_async.accounts.store import TokenInfo
from todo_async.endpoints.account_state import account_store, settings_of
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.request_input import read_json, read_row_id
from todo_async.schemas import NewToken, Token, TokenCreate
from todo_async.serving.endpoint import HTTPEndpoint


def _token(info: TokenInfo) -> Token:
    return Token(
        id=info.id,
        name=info.name,
        created_at=info.created_at,
        expires_at=info.expires_at,
        last_used_at=info.last_used_at,
    )


def signed_in_session(request: Request) -> None:
    """403 unless the request comes with the session cookie (not a token)."""
    if "session" not in request.auth.scopes:
        raise Problem(403, "Only a signed-in session may do this, not a token.")


class TokenCollection(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        owner = owner_of(request)
        tokens = await account_store(request).tokens(owner.id)
        return JSONResponse([_token(info).model_dump() for info in tokens])

    async def post(self, request: Request) -> Response:
        owner = owner_of(request)
        signed_in_session(request)
        settings = settings_of(request)
        body = await read_json(request, TokenCreate, settings.max_body_bytes)
        if body.expires_in_days > settings.token_max_days:
            raise Problem(
                422,
                f"A token lasts at most {settings.token_max_days} days here.",
                errors=[
                    {
                        "location": "body",
                        "field": "expiresInDays",
                        "message": f"At most {settings.token_max_days}",
                        "type": "less_than_equal",
                    }
                ],
            )
        secret = new_token()
        lifetime = dt.timedelta(days=body.expires_in_days)
        info = await account_store(request).create_token(
            owner.id, body.name, digest(secret), lifetime, settings.tokens_per_user
        )
        if info is None:
            raise Problem(
                409, f"You hold {settings.tokens_per_user} tokens, the most allowed: revoke one."
            )
        events.record("token_created", request, owner.id, token_id=info.id)
        created = NewToken(**_token(info).model_dump(), token=secret)
        headers = {
            "Location": str(request.url_for("token", id=info.id)),
            # The only time the secret is shown: no cache may keep it.
            "Cache-Control": "no-store",
        }
        return JSONResponse(created.model_dump(), 201, headers=headers)


class TokenItem(HTTPEndpoint):
    async def delete(self, request: Request) -> Response:
        """Revoke a token: requests with it are refused from now on."""
        owner = owner_of(request)
        token_id = read_row_id(request, _no_such_token)
        if not await account_store(request).revoke_token(owner.id, token_id):
            raise _no_such_token(token_id)
        events.record("token_revoked", request, owner.id, token_id=token_id)
        return Response(status_code=204)


def _no_such_token(token_id: int) -> Problem:
    # Someone else's token is as absent as one that never was.
    return Problem(404, f"You have no token {token_id}.")


routes = [
    Route("/api/tokens", TokenCollection, name="tokens"),
    Route("/api/tokens/{id:row_id}", TokenItem, name="token"),
]

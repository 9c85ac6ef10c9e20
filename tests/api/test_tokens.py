"""Personal access tokens: made from a signed-in session (shown once), listed, used as
Bearer, expired, revoked, at most so many per user."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from tests.api.accounts import User, http_client, new_user
from tests.api.test_bad_input import assert_problem, fields
from todo_async.accounts.credentials import TOKEN_PREFIX, digest
from todo_async.accounts.store import AccountStore, ExpiredToken
from todo_async.app import create_app
from todo_async.database.tables import DEFAULT_TOKEN_DAYS
from todo_async.settings import Settings


async def test_a_new_token_is_shown_once_and_then_listed_without_it(ann: User) -> None:
    response = await ann.browser.post("/api/tokens", json={"name": "  laptop script "})

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "name", "createdAt", "expiresAt", "lastUsedAt", "token"}
    lifetime = dt.datetime.fromisoformat(created["expiresAt"]) - dt.datetime.fromisoformat(
        created["createdAt"]
    )
    assert lifetime == dt.timedelta(days=DEFAULT_TOKEN_DAYS)
    assert created["name"] == "laptop script"
    assert created["token"].startswith(TOKEN_PREFIX)
    assert response.headers["location"] == f"http://testserver/api/tokens/{created['id']}"
    assert response.headers["cache-control"] == "no-store"
    await ann.api.get("/api/todos")
    listed = (await ann.browser.get("/api/tokens")).json()
    assert [t["name"] for t in listed] == ["tests", "laptop script"]
    assert all(set(t) == {"id", "name", "createdAt", "expiresAt", "lastUsedAt"} for t in listed)
    # The one a request came with shows when it was used.
    assert listed[0]["lastUsedAt"] is not None
    assert listed[1]["lastUsedAt"] is None
    assert created["token"] not in str(listed)


async def test_a_token_works_and_a_revoked_one_is_refused(
    ann: User, accounts_app: Starlette
) -> None:
    created = (await ann.browser.post("/api/tokens", json={"name": "ci"})).json()
    async with http_client(accounts_app, {"Authorization": f"Bearer {created['token']}"}) as ci:
        assert (await ci.post("/api/todos", json={"title": "from ci"})).status_code == 201
        assert (await ann.api.delete(f"/api/tokens/{created['id']}")).status_code == 204

        refused = await ci.get("/api/todos")
        assert_problem(refused, 401)
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await ann.api.delete(f"/api/tokens/{created['id']}"), 404)
    # Ann's other token and her todo are still there.
    assert [t["title"] for t in (await ann.api.get("/api/todos")).json()] == ["from ci"]


async def test_another_users_token_is_not_found_and_keeps_working(ann: User, bob: User) -> None:
    (bobs,) = (await bob.api.get("/api/tokens")).json()

    assert_problem(await ann.api.delete(f"/api/tokens/{bobs['id']}"), 404)
    assert [t["name"] for t in (await ann.api.get("/api/tokens")).json()] == ["tests"]
    assert (await bob.api.get("/api/todos")).status_code == 200


@pytest.mark.parametrize("token_id", ["0", "99999999", str(2**63), "x"])
async def test_ids_that_name_no_token_are_404(ann: User, token_id: str) -> None:
    assert_problem(await ann.api.delete(f"/api/tokens/{token_id}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
        ({"name": "x", "expiresInDays": 0}, "expiresInDays"),
        ({"name": "x", "expiresInDays": 366}, "expiresInDays"),
        ({"name": "x", "expiresInDays": "30"}, "expiresInDays"),
    ],
)
async def test_invalid_names_are_422(ann: User, body: dict[str, object], field: str) -> None:
    response = await ann.browser.post("/api/tokens", json=body)
    assert fields(assert_problem(response, 422)) == {field}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/tokens"), ("POST", "/api/tokens"), ("DELETE", "/api/tokens/1")],
)
async def test_tokens_need_credentials(
    anonymous: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await anonymous.request(method, path, json={"name": "x"})

    assert_problem(response, 401)


@pytest.mark.parametrize("header", ["Bearer tdat_madeup", "Bearer ", "Basic YW5uOnB3"])
async def test_unknown_credentials_are_401(anonymous: httpx.AsyncClient, header: str) -> None:
    response = await anonymous.get("/api/todos", headers={"Authorization": header})

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_open_mode_has_no_tokens(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/tokens"), 404)


async def test_a_token_cannot_make_tokens(ann: User) -> None:
    refused = await ann.api.post("/api/tokens", json={"name": "more"})
    assert_problem(refused, 403)
    assert len((await ann.api.get("/api/tokens")).json()) == 1


async def test_an_expired_token_is_refused_and_gone(
    ann: User, accounts_app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    created = (
        await ann.browser.post("/api/tokens", json={"name": "short", "expiresInDays": 1})
    ).json()
    accounts: AccountStore = accounts_app.state.accounts
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, seconds=1)
    assert isinstance(await accounts.token_owner(digest(created["token"]), later), ExpiredToken)
    assert [t["name"] for t in (await ann.browser.get("/api/tokens")).json()] == ["tests"]


async def test_a_user_holds_no_more_than_the_most_tokens(
    accounts_settings: Settings,
) -> None:
    settings = dataclasses.replace(accounts_settings, tokens_per_user=3)
    app = create_app(settings)
    async with LifespanManager(app):
        ann = await new_user(app, "ann")
        statuses = [
            (await ann.browser.post("/api/tokens", json={"name": f"t{n}"})).status_code
            for n in range(4)
        ]
        assert statuses == [201, 201, 409, 409]
        await ann.browser.delete("/api/tokens/1")
        assert (await ann.browser.post("/api/tokens", json={"name": "again"})).status_code == 201
        await ann.api.aclose()
        await ann.browser.aclose()

"""Personal access tokens: made (shown once), listed, used as Bearer, revoked."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.api.accounts import User, http_client
from tests.api.test_bad_input import assert_problem, fields
from todo_async.accounts.credentials import TOKEN_PREFIX


async def test_a_new_token_is_shown_once_and_then_listed_without_it(ann: User) -> None:
    response = await ann.browser.post("/api/tokens", json={"name": "  laptop script "})

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "name", "createdAt", "token"}
    assert created["name"] == "laptop script"
    assert created["token"].startswith(TOKEN_PREFIX)
    assert response.headers["location"] == f"http://testserver/api/tokens/{created['id']}"
    assert response.headers["cache-control"] == "no-store"
    listed = (await ann.browser.get("/api/tokens")).json()
    assert [t["name"] for t in listed] == ["tests", "laptop script"]
    assert all(set(t) == {"id", "name", "createdAt"} for t in listed)
    assert created["token"] not in str(listed)


async def test_a_token_works_and_a_revoked_one_is_refused(
    ann: User, accounts_app: Starlette
) -> None:
    created = (await ann.api.post("/api/tokens", json={"name": "ci"})).json()
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
    ],
)
async def test_invalid_names_are_422(ann: User, body: dict[str, object], field: str) -> None:
    assert fields(assert_problem(await ann.api.post("/api/tokens", json=body), 422)) == {field}


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

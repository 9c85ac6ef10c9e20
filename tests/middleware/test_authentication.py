"""Who a request comes from: a token, else the session cookie; in open mode, the shared list."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from starlette.applications import Starlette

from testbed.postgres import PostgresServer
from todo_async.accounts.credentials import SESSION_COOKIE, digest
from todo_async.accounts.store import AccountStore


async def a_user_with_credentials(app: Starlette, name: str) -> tuple[str, str]:
    """A token and a session secret of a new user, made in the app's own store."""
    accounts: AccountStore = app.state.accounts
    user = await accounts.create_user(name, "not used here")
    assert user is not None
    await accounts.create_token(user.id, "test", digest(f"tdat_{name}"), dt.timedelta(hours=1), 5)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await accounts.start_session(user.id, digest(f"session-{name}"), expires, 5)
    return f"tdat_{name}", f"session-{name}"


async def titles(client: httpx.AsyncClient, **kwargs: object) -> list[str]:
    response = await client.get("/api/todos", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [todo["title"] for todo in response.json()]


async def test_open_mode_serves_the_shared_list_without_credentials(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/api/todos", json={"title": "shared"})).status_code == 201
    assert await titles(client) == ["shared"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/todos"),
        ("POST", "/api/todos"),
        ("DELETE", "/api/todos?completed=true"),
        ("GET", "/api/todos/1"),
        ("PATCH", "/api/todos/1"),
        ("DELETE", "/api/todos/1"),
        ("GET", "/api/categories"),
    ],
)
async def test_accounts_mode_answers_401_without_credentials(
    anonymous: httpx.AsyncClient, method: str, path: str
) -> None:
    answer = await anonymous.request(method, path, json={"title": "x"})

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"] == 'Bearer realm="todo-async"'


async def test_a_token_and_a_session_each_name_their_user(
    anonymous: httpx.AsyncClient,
    accounts_app: Starlette,
) -> None:
    ann_token, ann_session = await a_user_with_credentials(accounts_app, "ann")
    bob_token, _ = await a_user_with_credentials(accounts_app, "bob")
    created = await anonymous.post(
        "/api/todos", json={"title": "ann's"}, headers={"Authorization": f"Bearer {ann_token}"}
    )
    assert created.status_code == 201

    assert await titles(anonymous, headers={"Authorization": f"bearer {ann_token}"}) == ["ann's"]
    assert await titles(anonymous, headers={"Cookie": f"{SESSION_COOKIE}={ann_session}"}) == [
        "ann's"
    ]
    assert await titles(anonymous, headers={"Authorization": f"Bearer {bob_token}"}) == []


@pytest.mark.parametrize(
    "authorization",
    ["Bearer tdat_unknown", "Basic YW5uOnNlY3JldA==", "Bearer " + "x" * 300, "Bearer"],
)
async def test_a_bad_authorization_header_is_401_even_with_a_good_cookie(
    anonymous: httpx.AsyncClient, accounts_app: Starlette, authorization: str
) -> None:
    _, session = await a_user_with_credentials(accounts_app, "ann")

    response = await anonymous.get(
        "/api/todos",
        headers={"Authorization": authorization, "Cookie": f"{SESSION_COOKIE}={session}"},
    )

    assert response.status_code == 401


async def test_an_unknown_session_cookie_is_401(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/api/todos", headers={"Cookie": f"{SESSION_COOKIE}=made-up"})
    assert response.status_code == 401


async def test_the_health_check_and_the_page_need_no_credentials(
    anonymous: httpx.AsyncClient,
) -> None:
    assert (await anonymous.get("/health")).status_code == 200
    assert (await anonymous.get("/")).status_code == 200
    assert (await anonymous.get("/openapi.json")).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_what_a_user_is_answered_no_cache_keeps(
    accounts_app: Starlette, anonymous: httpx.AsyncClient
) -> None:
    token, session = await a_user_with_credentials(accounts_app, "ann")
    by_token = {"Authorization": f"Bearer {token}"}
    created = await anonymous.post("/api/todos", json={"title": "x"}, headers=by_token)
    item = created.headers["location"]
    for path in ("/api/todos", item, "/api/categories", "/api/tokens", "/api/todos/99"):
        for headers in (by_token, {"Cookie": f"{SESSION_COOKIE}={session}"}):
            response = await anonymous.get(path, headers=headers)
            assert response.headers["cache-control"] == "no-store", path
    assert created.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_health_probe_with_a_token_lives_through_a_database_outage(
    accounts_app: Starlette,
    anonymous: httpx.AsyncClient,
    postgres: PostgresServer,
    database_url: str,
) -> None:
    token, _ = await a_user_with_credentials(accounts_app, "ann")
    by_token = {"Authorization": f"Bearer {token}"}
    name = database_url.rsplit("/", 1)[-1]
    # The database gone for this app: its connections cut, no new ones accepted.
    postgres.psql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
    postgres.psql(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    )
    try:
        assert (await anonymous.get("/health", headers=by_token)).status_code == 200
        assert (await anonymous.get("/api/todos", headers=by_token)).status_code == 503
    finally:
        postgres.psql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")

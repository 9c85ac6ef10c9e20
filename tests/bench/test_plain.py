"""The independent floor answers as the service does: same bodies and headers, same refusals."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from unittest import mock

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from bench import hello, plain
from tests.api.accounts import BASE_URL

# What differs per response by design: its moment and its request id.
VARYING = {"date", "x-request-id", "server"}


@pytest.fixture
async def floor(app: Starlette, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The plain app on the service's database (the service migrated it)."""
    with mock.patch.dict(os.environ, {"BENCH_DATABASE_URL": database_url}):
        async with LifespanManager(plain.app):
            transport = httpx.ASGITransport(app=plain.app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
                yield http


def _same(service: httpx.Response, floor: httpx.Response) -> None:
    assert floor.status_code == service.status_code
    assert floor.json() == service.json()
    kept = {name: value for name, value in service.headers.items() if name not in VARYING}
    assert {name: floor.headers.get(name) for name in kept} == kept


async def test_the_plain_app_answers_each_endpoint_as_the_service(
    client: httpx.AsyncClient, floor: httpx.AsyncClient
) -> None:
    for n in range(3):
        created = await client.post("/api/todos", json={"title": f" t{n} ", "category": "c"})
        assert created.status_code == 201
    ours = await floor.post("/api/todos", json={"title": " t3 ", "category": ""})
    theirs = await client.get("/api/todos/4")
    _same(theirs, await floor.get("/api/todos/4"))
    assert ours.json() == theirs.json()
    assert ours.headers["location"] == theirs.json()["url"]

    _same(await client.get("/api/todos?limit=2"), await floor.get("/api/todos?limit=2"))
    _same(await client.get("/api/todos?limit=20"), await floor.get("/api/todos?limit=20"))
    patched = await floor.patch("/api/todos/2", json={"completed": True})
    assert patched.json()["completed"] is True
    assert patched.headers["etag"] == '"v2"'
    _same(await client.get("/api/todos/2"), await floor.get("/api/todos/2"))
    changed = await floor.patch("/api/todos/1", json={"title": " new ", "order": 3})
    assert (changed.json()["title"], changed.json()["order"]) == ("new", 3)
    _same(await client.get("/api/todos/1"), changed)
    # The stored list position follows `order`: the changed todo now leads the list.
    _same(await client.get("/api/todos?limit=2"), await floor.get("/api/todos?limit=2"))


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 501},
        {"title": "a\nb"},
        {"title": "t", "completed": "true"},
        {"title": "t", "surplus": 1},
        {"title": "t", "order": 2**53},
    ],
)
async def test_the_plain_app_refuses_what_the_service_refuses(
    client: httpx.AsyncClient, floor: httpx.AsyncClient, body: dict[str, object]
) -> None:
    assert (await client.post("/api/todos", json=body)).status_code == 422
    assert (await floor.post("/api/todos", json=body)).status_code == 422


async def test_the_plain_app_keeps_to_the_owner_and_the_limit(
    client: httpx.AsyncClient, floor: httpx.AsyncClient
) -> None:
    assert (await floor.get("/api/todos/1")).status_code == 404
    assert (await floor.patch("/api/todos/1", json={"completed": True})).status_code == 404
    assert (await floor.get("/api/todos?limit=0")).status_code == 422
    assert (await floor.get("/api/todos?limit=x")).status_code == 422
    assert (await floor.patch("/api/todos/1", json={"completed": None})).status_code == 422


async def test_hello_world_answers_every_benchmarked_request() -> None:
    transport = httpx.ASGITransport(app=hello.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        for method, path in [
            ("GET", "/api/todos"),
            ("POST", "/api/todos"),
            ("PATCH", "/api/todos/7"),
        ]:
            response = await http.request(method, path)
            assert response.status_code == 200
            assert response.json() == {"hello": "world"}

"""X-Forwarded-* from the load balancer shape URLs; from anyone else they are ignored, and
X-Forwarded-Host only names a host of the allow-list."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from todo_async.app import create_app
from todo_async.settings import Settings

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "todo.example.com",
    "X-Forwarded-For": "203.0.113.7",
}


async def client_from(
    peer: str, trusted: tuple[str, ...], database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        forwarded_allow_ips=trusted,
        forwarded_allow_hosts=("todo.example.com",),
    )
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.1.5:5000") as http:
            yield http


@pytest.fixture
async def behind_alb(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_from("10.0.0.12", ("10.0.0.0/16",), database_url):
        yield http


@pytest.fixture
async def direct(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_from("198.51.100.1", ("10.0.0.0/16",), database_url):
        yield http


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_urls_use_the_forwarded_scheme_and_host(behind_alb: httpx.AsyncClient) -> None:
    response = await behind_alb.post("/api/todos", json={"title": "x"}, headers=FORWARDED)

    todo = response.json()
    assert todo["url"] == f"https://todo.example.com/api/todos/{todo['id']}"
    assert response.headers["location"] == todo["url"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_next_link_uses_the_forwarded_scheme_and_host(behind_alb: httpx.AsyncClient) -> None:
    for n in range(2):
        await behind_alb.post("/api/todos", json={"title": f"t{n}"})

    response = await behind_alb.get("/api/todos?limit=1", headers=FORWARDED)

    assert response.headers["link"].startswith("<https://todo.example.com/api/todos?")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_forwarded_host_the_host_header_stays(behind_alb: httpx.AsyncClient) -> None:
    response = await behind_alb.post(
        "/api/todos", json={"title": "x"}, headers={"X-Forwarded-Proto": "https"}
    )

    assert response.json()["url"].startswith("https://10.0.1.5:5000/")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_untrusted_peer_cannot_choose_urls(direct: httpx.AsyncClient) -> None:
    response = await direct.post("/api/todos", json={"title": "x"}, headers=FORWARDED)

    assert response.json()["url"].startswith("http://10.0.1.5:5000/api/todos/")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_forwarded_host_off_the_allow_list_is_ignored(
    behind_alb: httpx.AsyncClient,
) -> None:
    response = await behind_alb.post(
        "/api/todos",
        json={"title": "x"},
        headers={**FORWARDED, "X-Forwarded-Host": "attacker.example"},
    )

    assert response.json()["url"].startswith("https://10.0.1.5:5000/api/todos/")
    assert response.headers["location"].startswith("https://10.0.1.5:5000/")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_nearest_proxy_value_wins(behind_alb: httpx.AsyncClient) -> None:
    response = await behind_alb.post(
        "/api/todos",
        json={"title": "x"},
        headers={
            "X-Forwarded-Host": "spoofed.example, todo.example.com",
            "X-Forwarded-Proto": "http, https",
        },
    )

    assert response.json()["url"].startswith("https://todo.example.com/")

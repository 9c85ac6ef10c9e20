"""X-Forwarded-* from the load balancer shape URLs; from anyone else they are ignored."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from tests.middleware.test_request_log import access_lines
from todo_async.app import create_app
from todo_async.settings import Settings

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "todo.example.com",
    "X-Forwarded-For": "203.0.113.7",
}


async def client_from(
    peer: str, trusted: tuple[str, ...], database_url: str, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url, forwarded_allow_ips=trusted, **settings))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.1.5:5000") as http:
            yield http


@pytest.fixture
async def behind_alb(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async for http in client_from("10.0.0.12", ("10.0.0.0/16",), database_url):
        yield http


@pytest.fixture
async def behind_cloudfront(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The stack's settings behind CloudFront: the viewer's scheme in CloudFront's header."""
    async for http in client_from(
        "10.0.0.12",
        ("10.0.0.0/16",),
        database_url,
        forwarded_proto_header="cloudfront-forwarded-proto",
        forwarded_client_header="cloudfront-viewer-address",
    ):
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_behind_cloudfront_its_header_names_the_viewers_scheme(
    behind_cloudfront: httpx.AsyncClient,
) -> None:
    # What the load balancer sends on: its own hop in X-Forwarded-Proto, the viewer's in
    # CloudFront's header, and the distribution's name as Host.
    response = await behind_cloudfront.post(
        "/api/todos",
        json={"title": "x"},
        headers={
            "Host": "d111111abcdef8.cloudfront.net",
            "X-Forwarded-Proto": "http",
            "CloudFront-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7, 130.176.0.1",
        },
    )

    assert response.json()["url"].startswith("https://d111111abcdef8.cloudfront.net/api/todos/")
    assert "includeSubDomains" in response.headers["strict-transport-security"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_behind_cloudfront_x_forwarded_proto_is_not_the_viewers(
    behind_cloudfront: httpx.AsyncClient,
) -> None:
    response = await behind_cloudfront.post(
        "/api/todos", json={"title": "x"}, headers={"X-Forwarded-Proto": "https"}
    )

    assert response.json()["url"].startswith("http://10.0.1.5:5000/")
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("viewer", "client"),
    [("203.0.113.7:46532", "203.0.113.7"), ("2001:db8::7:46532", "2001:db8::7")],
)
async def test_behind_cloudfront_its_header_names_the_viewers_address(
    behind_cloudfront: httpx.AsyncClient,
    viewer: str,
    client: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # X-Forwarded-For ends with CloudFront's edge, which is not in the trusted VPC range;
    # the viewer's own address is in CloudFront-Viewer-Address. The request log says who.
    with caplog.at_level(logging.INFO, logger="todo_async.access"):
        response = await behind_cloudfront.get(
            "/health",
            headers={
                "X-Forwarded-For": f"198.51.100.99, {client}, 130.176.0.1",
                "CloudFront-Viewer-Address": viewer,
            },
        )
    assert response.status_code == 200
    [line] = await access_lines(caplog)
    assert line["client"] == client

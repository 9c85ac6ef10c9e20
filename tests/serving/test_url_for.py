"""A route's URL kept per origin is the URL Starlette builds for that request."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from todo_async.serving import url_for as cache
from todo_async.serving.url_for import MAX_ORIGINS, url_for


async def nothing(request: Request) -> Response:
    return Response()


ROUTER = Router(routes=[Route("/api/todos", nothing, name="todos")])


def request(host: str, scheme: str = "http", root_path: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "scheme": scheme,
            "server": ("127.0.0.1", 5000),
            "headers": [(b"host", host.encode())],
            "root_path": root_path,
            "router": ROUTER,
        }
    )


@pytest.mark.parametrize(
    ("host", "scheme", "root_path"),
    [
        ("todo.example", "http", ""),
        ("todo.example", "https", ""),
        ("other.example:8080", "http", ""),
        ("todo.example", "https", "/prefix"),
    ],
)
def test_the_same_url_as_starlettes(host: str, scheme: str, root_path: str) -> None:
    for _ in range(2):  # built, then kept
        made = request(host, scheme, root_path)
        assert url_for(made, "todos") == str(made.url_for("todos"))


def test_invented_hosts_do_not_grow_it() -> None:
    for n in range(MAX_ORIGINS * 2):
        assert url_for(request(f"host{n}.example"), "todos") == f"http://host{n}.example/api/todos"
    assert len(cache._urls) <= MAX_ORIGINS

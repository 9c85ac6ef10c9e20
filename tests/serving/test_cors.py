"""The short way through the CORS middleware answers exactly as Starlette's own."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware import cors as starlette_cors
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from todo_async.serving.cors import CORSMiddleware

OPTIONS = {"allow_origins": ["*"], "expose_headers": ["ETag"], "allow_methods": ["GET"]}


def app(middleware: type[starlette_cors.CORSMiddleware]) -> Starlette:
    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("plain")

    async def varied(request: Request) -> PlainTextResponse:
        return PlainTextResponse("varied", headers={"Vary": "Accept-Encoding"})

    return Starlette(
        routes=[Route("/plain", plain), Route("/varied", varied)],
        middleware=[Middleware(middleware, **OPTIONS)],
    )


@pytest.mark.parametrize("path", ["/plain", "/varied"])
@pytest.mark.parametrize("origin", [None, "https://example.org"])
async def test_same_headers_as_starlettes(path: str, origin: str | None) -> None:
    headers = {"Origin": origin} if origin else {}
    responses = []
    for middleware in (CORSMiddleware, starlette_cors.CORSMiddleware):
        transport = httpx.ASGITransport(app=app(middleware))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            responses.append(await client.get(path, headers=headers))
    ours, theirs = responses
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert "Origin" in ours.headers["vary"]

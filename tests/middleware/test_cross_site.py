"""Unsafe requests not made with a token must come from the site's own pages."""

from __future__ import annotations

import httpx
import pytest
from starlette.authentication import AuthCredentials
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_async.middleware.cross_site import CrossSiteProtectionMiddleware


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse(f"reached {Request(scope).method}")(scope, receive, send)


def authenticated_by(scopes: list[str], app: ASGIApp) -> ASGIApp:
    """What the authentication middleware leaves in the scope for the next one."""

    async def with_auth(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "auth": AuthCredentials(scopes)}, receive, send)

    return with_auth


async def send(
    method: str, headers: dict[str, str], scopes: list[str] | None = None
) -> httpx.Response:
    app = authenticated_by(scopes or [], CrossSiteProtectionMiddleware(endpoint))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://todo.example") as http:
        return await http.request(method, "/api/todos", headers=headers)


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://todo.example"},
    {"Origin": "https://evil.example"},
    {"Origin": "https://todo.example.evil.example"},
    {"Origin": "null"},
]
SAME_SITE = [
    {"Sec-Fetch-Site": "same-origin", "Origin": "https://todo.example"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "https://todo.example"},
    {"Origin": "http://TODO.example"},  # behind a TLS-terminating proxy
    {},  # no browser: curl, a script
]


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
@pytest.mark.parametrize("headers", CROSS_SITE)
@pytest.mark.parametrize("scopes", [["session"], []])
async def test_cross_site_unsafe_requests_are_refused(
    method: str, headers: dict[str, str], scopes: list[str]
) -> None:
    response = await send(method, headers, scopes)

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "Cross-site" in response.json()["detail"]


@pytest.mark.parametrize("headers", SAME_SITE)
async def test_same_origin_and_non_browser_requests_pass(headers: dict[str, str]) -> None:
    response = await send("POST", headers, ["session"])

    assert response.text == "reached POST"


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_token_requests_pass_from_anywhere(headers: dict[str, str]) -> None:
    response = await send("DELETE", headers, ["token"])

    assert response.text == "reached DELETE"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
async def test_safe_requests_pass_from_anywhere(method: str) -> None:
    response = await send(method, {"Sec-Fetch-Site": "cross-site"}, ["session"])

    assert response.status_code == 200

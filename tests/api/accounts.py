"""The app in accounts mode, and users who sign up to it and hold a token."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.applications import Starlette

PASSWORD = "correct horse battery"
BASE_URL = "http://testserver"


def http_client(app: Starlette, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)


@dataclass
class User:
    name: str
    token: str
    # Sends the token with every request.
    api: httpx.AsyncClient
    # Holds the session cookie, as the page's browser does.
    browser: httpx.AsyncClient


async def sign_up(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> None:
    response = await client.post("/api/users", json={"username": name, "password": password})
    assert response.status_code == 201, response.text


async def sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/session", json={"username": name, "password": password})


async def new_user(app: Starlette, name: str) -> User:
    browser = http_client(app)
    await sign_up(browser, name)
    signed_in = await sign_in(browser, name)
    assert signed_in.status_code == 200, signed_in.text
    created = await browser.post("/api/tokens", json={"name": "tests"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    api = http_client(app, {"Authorization": f"Bearer {token}"})
    return User(name, token, api, browser)

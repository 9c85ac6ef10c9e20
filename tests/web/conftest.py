"""Fixtures for the web page: a live server, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from testbed.live_server import LiveServer, live_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Headless, as root in a sandbox, offline: no GPU, no QUIC, nothing fetched in the background.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1000, "height": 720}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
# Every test's people sign up from this one address.
SERVER_ENV = {
    "SHUTDOWN_TIMEOUT": "2",
    "LOG_LEVEL": "warning",
    "SIGN_UP_PER_ADDRESS_PER_HOUR": "1000",
    "SIGN_UP_PER_MINUTE": "1000",
}

expect.set_options(timeout=TIMEOUT_MS)


class Api:
    """The JSON API over plain HTTP: to set up and to read back what is stored."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None, response.headers
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), error.headers

    def add(self, title: str, **fields: Any) -> dict[str, Any]:
        status, todo, _ = self.call("POST", "/api/todos", {"title": title, **fields})
        assert status == 201, todo
        return dict(todo)

    def change(self, todo_id: int, **fields: Any) -> dict[str, Any]:
        status, todo, _ = self.call("PATCH", f"/api/todos/{todo_id}", fields)
        assert status == 200, todo
        return dict(todo)

    def todos(self) -> list[dict[str, Any]]:
        """Everything stored, in the API's order, following Link rel=next."""
        found: list[dict[str, Any]] = []
        path: str | None = "/api/todos"
        while path:
            status, page, headers = self.call("GET", path)
            assert status == 200, page
            found.extend(page)
            link = re.search(r'<([^>]*)>;\s*rel="next"', headers.get("Link") or "")
            path = None
            if link:
                target = urlsplit(link.group(1))
                path = f"{target.path}?{target.query}"
        return found

    def delete_all(self) -> None:
        status, body, _ = self.call("DELETE", "/api/todos")
        assert status == 200, body


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web")
    database_url = f"sqlite:///{directory / 'todo.db'}"
    with live_server(database_url, directory, env=SERVER_ENV) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    """A plain HTTP client for the module's server: headers and caching, no browser."""
    with httpx.Client(base_url=server.url) as client:
        yield client


@pytest.fixture
def api(server: LiveServer) -> Api:
    """The API of the module's server, emptied for this test."""
    client = Api(server.url)
    client.delete_all()
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: scripts/system-deps.sh test installs it (or set CHROMIUM)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, server: LiveServer) -> Iterator[OpenPage]:
    """Open pages, each in a window of its own. Afterwards, fail on any request that left
    127.0.0.1, any uncaught script error, and any console error other than a failed load
    (which the error tests cause on purpose)."""
    contexts: list[BrowserContext] = []
    requested: list[str] = []
    errors: list[str] = []

    def watch(page: Page) -> None:
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error"
                and not message.text.startswith("Failed to load resource")
                else None
            ),
        )

    def open_tab(
        viewport: dict[str, int] | None = None,
        base_url: str | None = None,
        color_scheme: Literal["light", "dark"] = "light",
        timezone_id: str | None = None,
        has_touch: bool = False,
    ) -> Page:
        context = browser.new_context(
            base_url=base_url or server.url,
            viewport=viewport or DESKTOP,
            color_scheme=color_scheme,
            timezone_id=timezone_id,
            has_touch=has_touch,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requested.append(request.url))
        contexts.append(context)
        page = context.new_page()
        watch(page)
        return page

    yield open_tab
    for context in contexts:
        context.close()
    strays = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
    assert not strays, f"requests left 127.0.0.1: {strays}"
    assert requested, "the page made no requests at all"
    assert not errors, errors


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    return open_page()


# Each width with each colour scheme: (viewport, prefers-color-scheme).
LOOKS = [
    pytest.param((DESKTOP, "light"), id="desktop-light"),
    pytest.param((DESKTOP, "dark"), id="desktop-dark"),
    pytest.param((PHONE, "light"), id="phone-light"),
    pytest.param((PHONE, "dark"), id="phone-dark"),
]


@pytest.fixture(params=LOOKS)
def looked_page(request: pytest.FixtureRequest, open_page: OpenPage) -> Page:
    """A page at desktop and at phone width, each in light and in dark."""
    viewport, scheme = request.param
    return open_page(viewport=viewport, color_scheme=scheme)

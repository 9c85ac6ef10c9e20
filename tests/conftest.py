"""Fixtures: the app on SQLite and on a real PostgreSQL server, in open and in accounts mode,
and an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from hostkit.postgres import find_binaries
from testbed.postgres import PostgresServer, running_postgres
from tests.api.accounts import http_client
from todo_async.app import create_app
from todo_async.settings import Settings

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if find_binaries() is None:
        pytest.fail(
            "no PostgreSQL server binaries (initdb, postgres) on this machine: "
            "scripts/system-deps.sh test installs them"
        )
    with running_postgres() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'todo.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"t_{tmp_path.name.lower().replace('-', '_')[:50]}"
    server.psql(f"CREATE DATABASE {name}")
    yield server.url_for(name)
    server.psql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http


@pytest.fixture
def accounts_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, auth_mode="accounts", auth_mode_chosen=True)


@pytest.fixture
async def accounts_app(accounts_settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(accounts_settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def anonymous(accounts_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app in accounts mode, without credentials."""
    async with http_client(accounts_app) as http:
        yield http

"""Fixtures: the app on SQLite and on a real PostgreSQL server, in open and in accounts mode,
and an HTTP client for it. The hooks that mark each test with what it needs and hand
pytest-xdist its scopes (tests/folders.py), and the summary lines of every worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from hostkit.postgres import find_binaries
from testbed.postgres import PostgresServer, running_postgres
from tests import folders, summary
from tests.api.accounts import http_client
from todo_async.app import create_app
from todo_async.settings import Settings

BACKENDS = ["sqlite", "postgresql"]


def needs_postgres(item: pytest.Item) -> bool:
    """Whether the test runs on a PostgreSQL server: the `postgres` fixture, a database
    parameter set to it, or the stand-in's PostgreSQL runner (its `reachable_dir`)."""
    callspec = getattr(item, "callspec", None)
    params: dict[str, object] = callspec.params if callspec else {}
    fixtures: list[str] = getattr(item, "fixturenames", [])
    return (
        BACKENDS[1] in (params.get("database_url"), params.get("backend"))
        or ("postgres" in fixtures and "postgres" not in params)
        or "reachable_dir" in fixtures
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadscope (pyproject.toml) by module, with a folder that uses a machine-wide
    resource as one scope (tests/folders.py)."""
    if config.getoption("dist") != "loadscope":
        return None
    return folders.ByModuleAndResource(config, log)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A folder or module whose every test `-m` deselects is not even imported (the CDK,
    Playwright, schemathesis and Locust imports are seconds of make check's)."""
    excluded = folders.excluded_by(config.option.markexpr)
    if not excluded or not collection_path.is_relative_to(config.rootpath):
        return None
    where = collection_path.relative_to(config.rootpath).as_posix()
    # A folder as tests/<folder>/, the form folder_of reads.
    where += "/" if collection_path.is_dir() else ""
    return True if excluded & set(folders.markers_of(where)) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker in folders.markers_of(item.nodeid):
            item.add_marker(marker)
        if needs_postgres(item):
            item.add_marker("postgres")


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: sent once every hook has added
        workeroutput["summary"] = summary.lines(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any) -> None:
    """pytest-xdist's controller, as a worker finishes: its summary lines are ours."""
    summary.lines(node.config).extend(node.workeroutput.get("summary", []))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for line in summary.lines(config):
        terminalreporter.write_line(line)


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

"""Storage failures answered 503/507 by the middleware; every other error passes on."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from testbed.sqlite_lock import sqlite_write_lock
from tests.api.accounts import http_client
from todo_async.app import create_app
from todo_async.database.incidents import Incidents
from todo_async.middleware.storage_failures import StorageFailuresMiddleware
from todo_async.settings import Settings


async def test_a_write_behind_a_held_lock_is_503_with_retry_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async")
    path = tmp_path / "todo.db"
    settings = Settings(database_url=f"sqlite:///{path}", database_lock_timeout=0.1)
    app = create_app(settings)
    async with LifespanManager(app), http_client(app) as client:
        with sqlite_write_lock(path):
            refused = await client.post(
                "/api/todos", json={"title": "t"}, headers={"Origin": "https://elsewhere"}
            )
            read = await client.get("/api/todos")
        stored = await client.post("/api/todos", json={"title": "t"})

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == str(settings.retry_after)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The database is busy: a lock wait ran out. Try again in 2 s.",
    }
    # The request log's id and CORS headers are on the answer, as on any other.
    assert refused.headers["x-request-id"]
    assert refused.headers["access-control-allow-origin"] == "*"
    assert read.status_code == 200
    assert stored.status_code == 201
    incident_lines = [
        (record.levelname, record.getMessage(), record.exc_info)
        for record in caplog.records
        if record.name == "todo_async.database.incidents"
    ]
    assert incident_lines == [
        (
            "WARNING",
            "database lock timeout: OperationalError SQLITE_BUSY: database is locked;"
            " answering 503 with Retry-After until it recovers",
            None,
        )
    ]


async def broken(request: Request) -> Response:
    raise ZeroDivisionError


async def full(request: Request) -> Response:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("PRAGMA max_page_count = 1")
    connection.execute("INSERT INTO t SELECT zeroblob(100000)")
    return Response()


@pytest.fixture
def app() -> Starlette:
    app = Starlette(routes=[Route("/broken", broken), Route("/full", full)])
    app.add_middleware(StorageFailuresMiddleware, incidents=Incidents(), retry_after=3)
    return app


async def test_a_full_disk_is_507(app: Starlette) -> None:
    async with http_client(app) as client:
        response = await client.get("/full")
    assert response.status_code == 507
    assert response.headers["retry-after"] == "3"
    assert response.json()["detail"] == (
        "The database has no room to store this change. Try again in 3 s."
    )


async def test_a_bug_passes_on_to_be_a_500_with_its_traceback(app: Starlette) -> None:
    async with http_client(app) as client:
        with pytest.raises(ZeroDivisionError):
            await client.get("/broken")

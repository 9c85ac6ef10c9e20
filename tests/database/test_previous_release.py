"""The due-date migration under a rolling deploy: the previous release's code (checked out
from this repository's history) against the migrated schema, and this release's code
against the previous release's schema, on both databases."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager

from tests.api.accounts import http_client
from tests.previous_release import extract
from todo_async.app import create_app
from todo_async.database.engine import open_database
from todo_async.database.migrations import MIGRATIONS, migrate
from todo_async.repository import DUE, ID, TITLE, TodoRepository
from todo_async.settings import Settings

# Run by the previous release's code: start its app on the database (its start-up
# migration sees nothing to do), then use every todo operation it has, printing what it
# saw as JSON.
PREVIOUS_CLIENT = """
import asyncio, json, sys
import httpx
from asgi_lifespan import LifespanManager
from todo_async.app import create_app
from todo_async.database.migrations import MIGRATIONS
from todo_async.settings import Settings

async def main(url, existing):
    app = create_app(Settings(database_url=url))
    seen = {"versions": [m.version for m in MIGRATIONS]}
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            seen["listed"] = (await c.get("/api/todos")).json()
            if existing:
                item = f"/api/todos/{existing}"
                seen["read"] = (await c.get(item)).json()
                etag = (await c.get(item)).headers["etag"]
                patched = await c.patch(item, json={"title": "renamed by the old release"},
                                        headers={"If-Match": etag})
                seen["patched"] = patched.status_code
            made = await c.post("/api/todos", json={"title": "made by the old release",
                                                     "completed": True})
            seen["made"] = made.json()
            seen["listed_done"] = (await c.get("/api/todos?completed=true&limit=1")).status_code
            seen["categories"] = (await c.get("/api/categories")).status_code
    print(json.dumps(seen))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's src/, from git history."""
    return extract(tmp_path_factory.mktemp("previous-release"), "src") / "src"


def run_previous(source: Path, database_url: str, existing: int = 0) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    finished = subprocess.run(
        [sys.executable, "-c", PREVIOUS_CLIENT, database_url, str(existing)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=source,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    seen: dict[str, object] = json.loads(finished.stdout.strip().splitlines()[-1])
    return seen


async def test_the_previous_release_works_on_the_migrated_schema(
    database_url: str, previous_release: Path
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        await migrate(database)
        new = await TodoRepository(database).create(
            0,
            {
                "title": "due by the new release",
                "category": None,
                "completed": False,
                "order": None,
                "due": dt.date(2026, 3, 29),
            },
        )
    assert new is not None

    seen = run_previous(previous_release, database_url, existing=new[ID])

    async with database:
        repository = TodoRepository(database)
        kept = await repository.get(0, new[ID])
        made = await repository.get(0, seen["made"]["id"])  # type: ignore[index]
    assert seen["versions"] == [1, 2, 3, 4, 5]
    assert [todo["title"] for todo in seen["listed"]] == ["due by the new release"]  # type: ignore[union-attr]
    assert seen["read"]["title"] == "due by the new release"  # type: ignore[index]
    assert (seen["patched"], seen["listed_done"], seen["categories"]) == (200, 200, 200)
    # The old release's change leaves the due date it knows nothing of as it was.
    assert kept is not None
    assert (kept[TITLE], str(kept[DUE])) == ("renamed by the old release", "2026-03-29")
    assert made is not None
    assert made[DUE] is None


async def test_the_new_release_migrates_the_previous_schema_and_serves_its_todos(
    database_url: str, previous_release: Path
) -> None:
    seen = run_previous(previous_release, database_url)
    made = seen["made"]["id"]  # type: ignore[index]

    app = create_app(Settings(database_url=database_url))
    async with LifespanManager(app), http_client(app) as client:
        listed = (await client.get("/api/todos")).json()
        patched = await client.patch(f"/api/todos/{made}", json={"due": "2026-04-01"})
        overdue = (await client.get("/api/todos?due_before=2026-04-02")).json()

    assert [todo["due"] for todo in listed] == [None]
    assert patched.status_code == 200
    assert [todo["id"] for todo in overdue] == [made]
    assert MIGRATIONS[-1].version == 6

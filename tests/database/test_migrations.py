"""Migrations: applied once, idempotent, safe when several processes start together."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from todo_async.database.engine import open_database
from todo_async.database.migrations import MIGRATIONS, migrate
from todo_async.database.tables import schema_migrations
from todo_async.settings import Settings

LATEST = [migration.version for migration in MIGRATIONS]


async def applied_versions(database_url: str) -> list[int]:
    database = open_database(Settings(database_url=database_url))
    async with database:
        rows = await database.fetch_all(select(schema_migrations.c.version))
    return sorted(row[0] for row in rows)


async def test_migrate_applies_each_version_once(database_url: str) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        first = await migrate(database)
        second = await migrate(database)

    assert first == LATEST
    assert second == []
    assert await applied_versions(database_url) == LATEST


def test_processes_migrating_at_once_apply_each_version_once(database_url: str) -> None:
    command = [sys.executable, "-m", "todo_async", "migrate"]
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    results = [process.communicate(timeout=60) for process in processes]

    assert [process.returncode for process in processes] == [0] * 4, results
    outputs = sorted(out.decode().strip() for out, _ in results)
    assert outputs == [
        "applied 0 migration(s)",
        "applied 0 migration(s)",
        "applied 0 migration(s)",
        f"applied {len(LATEST)} migration(s): {LATEST}",
    ]

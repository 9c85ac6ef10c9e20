"""Migrations: applied once, idempotent, safe when several processes start together."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bench.seed import insert_rows
from testbed.sqlite_lock import sqlite_write_lock
from todo_async.accounts.store import AccountStore
from todo_async.database import migrations, schema_v3
from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.migrations import (
    INDEX_BUILD_LOCK_KEY,
    MIGRATIONS,
    build_indexes,
    migrate,
)
from todo_async.database.tables import (
    DEFAULT_TOKEN_DAYS,
    OPEN_LIST_OWNER,
    UNORDERED,
    due_indexes,
    schema_migrations,
    todos,
    users,
)
from todo_async.repository import ID, TodoRepository
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


def test_the_migrate_command_gives_up_on_a_held_lock_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    command = [sys.executable, "-m", "todo_async", "migrate"]
    env = {"DATABASE_URL": f"sqlite:///{path}", "MIGRATION_LOCK_TIMEOUT": "1", "PATH": "/usr/bin"}
    with sqlite_write_lock(path):
        held = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
    free = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)

    assert held.returncode == 1
    records = [json.loads(line) for line in held.stderr.decode().splitlines()]
    errors = [record["message"] for record in records if record["level"] == "error"]
    assert errors == [
        f"start-up failed: gave up after 1 s waiting for the SQLite write lock on {path},"
        " held by another process"
    ]
    assert free.returncode == 0
    assert free.stdout.decode().strip() == f"applied {len(LATEST)} migration(s): {LATEST}"


async def test_position_migration_keeps_every_todo_and_its_order(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        with monkeypatch.context() as at_version_1:
            at_version_1.setattr(migrations, "MIGRATIONS", MIGRATIONS[:1])
            assert await migrate(database) == [1]
        await insert_rows(database, 5_000)
        await database.execute(text('UPDATE todos SET "order" = 3000 - id WHERE id <= 10'))

        assert await migrate(database) == LATEST[1:]

        rows = await database.fetch_all(select(todos.c.id, todos.c.order, todos.c.position))
        page, _ = await TodoRepository(database).page(
            OPEN_LIST_OWNER, completed=None, category=None, limit=12, after=None
        )
    assert len(rows) == 5_000
    assert all(row[2] == (UNORDERED if row[1] is None else row[1]) for row in rows)
    assert [row[ID] for row in page] == [*range(10, 0, -1), 11, 12]


async def test_owner_migration_gives_every_todo_to_the_open_list(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        with monkeypatch.context() as at_version_2:
            at_version_2.setattr(migrations, "MIGRATIONS", MIGRATIONS[:2])
            assert await migrate(database) == [1, 2]
        await insert_rows(database, 1_000)

        assert await migrate(database) == LATEST[2:]

        owners = await database.fetch_all(
            select(todos.c.owner_id, func.count()).group_by(todos.c.owner_id)
        )
        user_count = await database.fetch_val(select(func.count()).select_from(users))
        repository = TodoRepository(database)
        open_page, _ = await repository.page(
            OPEN_LIST_OWNER, completed=None, category=None, limit=5, after=None
        )
        someone_elses, _ = await repository.page(
            1, completed=None, category=None, limit=5, after=None
        )
    assert [(row[0], row[1]) for row in owners] == [(OPEN_LIST_OWNER, 1_000)]
    assert user_count == 0
    assert [row[ID] for row in open_page] == [1, 2, 3, 4, 5]
    assert someone_elses == []


async def test_tokens_made_before_expiries_get_the_default_lifetime(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        with monkeypatch.context() as at_version_4:
            at_version_4.setattr(migrations, "MIGRATIONS", MIGRATIONS[:4])
            await migrate(database)
        made = dt.datetime.now(dt.UTC)
        await database.execute(
            schema_v3.tokens.insert().values(
                user_id=1, name="old", digest=b"d" * 32, created_at=made
            )
        )

        assert await migrate(database) == LATEST[4:]

        accounts = AccountStore(database)
        (token,) = await accounts.tokens(1)
    lifetime = token.expires_at - made
    days = dt.timedelta(days=DEFAULT_TOKEN_DAYS)
    assert days - dt.timedelta(seconds=1) <= lifetime < days + dt.timedelta(minutes=1)


async def index_validity(database: TodoDatabase) -> dict[str, bool]:
    rows = await database.fetch_all(
        text(
            "SELECT c.relname, i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'todos'::regclass"
        )
    )
    return {row[0]: row[1] for row in rows}


DUE_INDEXES = [str(index.name) for index in due_indexes]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_index_build_that_failed_halfway_is_rebuilt_at_the_next_start(
    database_url: str,
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        await migrate(database)
        await insert_rows(database, 100)
        first = DUE_INDEXES[0]
        await database.execute(text(f"DROP INDEX {first}"))
        # A concurrent build that fails (duplicates under UNIQUE) leaves its index INVALID.
        with pytest.raises(Exception, match="could not create unique index"):
            await database.execute(
                text(f"CREATE UNIQUE INDEX CONCURRENTLY {first} ON todos (completed)")
            )
        before = await index_validity(database)

        rebuilt = await migrate(database)
        after = await index_validity(database)
        definition = await database.fetch_val(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name").bindparams(name=first)
        )

    assert before[first] is False
    assert rebuilt == []
    assert all(after[name] for name in DUE_INDEXES)
    assert definition == (
        f'CREATE INDEX {first} ON public.todos USING btree (owner_id, due, "position", id)'
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_process_finding_another_building_indexes_goes_on_without_them(
    database_url: str,
) -> None:
    database = open_database(Settings(database_url=database_url))
    builder = open_database(Settings(database_url=database_url))
    async with database, builder:
        await migrate(database)
        await database.execute(text(f"DROP INDEX {DUE_INDEXES[0]}"))
        async with builder.connection() as held:
            await held.execute(
                text("SELECT pg_advisory_lock(:key)").bindparams(key=INDEX_BUILD_LOCK_KEY)
            )
            skipped = await build_indexes(database)
            await held.execute(
                text("SELECT pg_advisory_unlock(:key)").bindparams(key=INDEX_BUILD_LOCK_KEY)
            )
        built = await build_indexes(database)
        again = await build_indexes(database)

    assert skipped == []
    assert built == [DUE_INDEXES[0]]
    assert again == []


async def test_due_indexes_lead_with_the_owner(database_url: str) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        await migrate(database)
        if database.dialect_name == "sqlite":
            names = {
                row[0]
                for row in await database.fetch_all(
                    text("SELECT name FROM sqlite_master WHERE type = 'index'")
                )
            }
        else:
            names = set(await index_validity(database))
    assert set(DUE_INDEXES) <= names
    assert all(index.expressions[0] is todos.c.owner_id for index in due_indexes)

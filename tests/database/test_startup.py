"""Start-up waits a bounded time for a lock another process holds, on both backends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from testbed.sqlite_lock import sqlite_write_lock
from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.migrations import ADVISORY_LOCK_KEY, MIGRATIONS, migrate
from todo_async.database.startup import LockWaitExpired, connect_and_migrate
from todo_async.database.tables import schema_migrations
from todo_async.settings import Settings

LATEST = [migration.version for migration in MIGRATIONS]
# Far more than any wait here; a start-up that hangs fails the test instead of stalling it.
BOUND = 20

Release = Callable[[], Awaitable[None]]
LockHolder = Callable[[], contextlib.AbstractAsyncContextManager[Release]]


@pytest.fixture
def hold_migration_lock(database_url: str) -> LockHolder:
    """Hold, from elsewhere, the lock that migrations take; the context yields a release."""

    @contextlib.asynccontextmanager
    async def hold() -> AsyncIterator[Release]:
        if database_url.startswith("sqlite"):
            with sqlite_write_lock(Path(database_url.removeprefix("sqlite:///"))) as lock:
                yield lambda: asyncio.to_thread(lock.release)
            return
        other = open_database(Settings(database_url=database_url))
        async with other, other.connection() as connection:
            take = text("SELECT pg_advisory_lock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
            give = text("SELECT pg_advisory_unlock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
            await connection.execute(take)
            released = False

            async def release() -> None:
                nonlocal released
                if not released:
                    released = True
                    await connection.execute(give)

            yield release
            await release()

    return hold


async def applied_versions(database: TodoDatabase) -> list[int]:
    rows = await database.fetch_all(select(schema_migrations.c.version))
    return sorted(row[0] for row in rows)


async def test_waits_for_the_lock_then_migrates(
    database_url: str, hold_migration_lock: LockHolder, caplog: pytest.LogCaptureFixture
) -> None:
    # A migrated database, so SQLite's file is in WAL mode and only BEGIN waits.
    async with open_database(Settings(database_url=database_url)) as database:
        await migrate(database)
    database = open_database(Settings(database_url=database_url))
    caplog.set_level(logging.WARNING, "todo_async")
    async with hold_migration_lock() as release:
        starting = asyncio.create_task(connect_and_migrate(database, lock_timeout=BOUND))
        await asyncio.sleep(1)
        assert not starting.done()
        await release()
        assert await asyncio.wait_for(starting, BOUND) == []
    assert await applied_versions(database) == LATEST
    await asyncio.wait_for(database.disconnect(), BOUND)

    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting for")]
    # Reported at once, then every few seconds.
    assert len(waits) == 1
    lock = "SQLite write lock on" if database.dialect_name == "sqlite" else "advisory lock"
    assert lock in waits[0]


async def test_gives_up_after_the_bound_naming_the_lock(
    database_url: str, hold_migration_lock: LockHolder, caplog: pytest.LogCaptureFixture
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with hold_migration_lock():
        with pytest.raises(LockWaitExpired) as expired:
            await asyncio.wait_for(connect_and_migrate(database, lock_timeout=1.5), BOUND)
        await asyncio.wait_for(database.disconnect(), BOUND)

    if database.dialect_name == "sqlite":
        where = database_url.removeprefix("sqlite:///")
        lock = f"the SQLite write lock on {where}"
        assert str(expired.value) == f"gave up after 1.5 s waiting for {lock}"
    else:
        assert str(expired.value).startswith(
            f"gave up after 1.5 s waiting for the PostgreSQL advisory lock {ADVISORY_LOCK_KEY} on "
        )
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"start-up failed: {expired.value}, held by another process"]
    # Nothing was left half done: migrating now applies everything.
    async with open_database(Settings(database_url=database_url)) as database:
        assert await migrate(database) == LATEST


async def test_a_new_sqlite_file_being_written_is_waited_for(tmp_path: Path) -> None:
    # Another process writes to a file not yet in WAL mode: even connecting fails at once.
    path = tmp_path / "new.db"
    database = open_database(Settings(database_url=f"sqlite:///{path}"))
    with sqlite_write_lock(path) as lock:
        starting = asyncio.create_task(connect_and_migrate(database, lock_timeout=BOUND))
        await asyncio.sleep(1)
        assert not starting.done()
        await asyncio.to_thread(lock.release)
        assert await asyncio.wait_for(starting, BOUND) == LATEST
    assert await database.fetch_val(text("PRAGMA journal_mode")) == "wal"
    await asyncio.wait_for(database.disconnect(), BOUND)


async def test_an_error_other_than_a_lock_is_not_retried(database_url: str) -> None:
    database = open_database(Settings(database_url=database_url))
    await database.connect()
    await database.execute(text("CREATE TABLE todos (x INTEGER)"))
    with pytest.raises(Exception, match="todos"):
        await asyncio.wait_for(connect_and_migrate(database, lock_timeout=BOUND), 5)
    await asyncio.wait_for(database.disconnect(), BOUND)

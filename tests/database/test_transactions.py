"""Every way a transaction can fail gives its connection back, on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from testbed.postgres import PostgresServer
from testbed.sqlite_lock import sqlite_write_lock
from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.transactions import lock_wait_expired
from todo_async.settings import Settings

# Long enough for any step here; a leaked connection would make disconnect wait forever.
BOUND = 15


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[TodoDatabase]:
    database = open_database(Settings(database_url=database_url, database_pool_size=2))
    await database.connect()
    await database.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
    await database.execute(
        text(
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )
    )
    yield database
    await asyncio.wait_for(database.disconnect(), BOUND)


async def committed_parents(database_url: str) -> list[int]:
    """What another connection sees: only what was committed."""
    async with open_database(Settings(database_url=database_url)) as other:
        rows = await other.fetch_all(text("SELECT id FROM parent ORDER BY id"))
    return [row[0] for row in rows]


async def assert_usable(database: TodoDatabase, database_url: str, marker: int) -> None:
    """The connection is free, outside any transaction, and a new transaction works."""
    await asyncio.wait_for(database.execute(text(f"INSERT INTO parent VALUES ({marker})")), BOUND)
    assert marker in await committed_parents(database_url)
    async with database.transaction():
        await database.execute(text(f"INSERT INTO parent VALUES ({marker + 1})"))
    assert marker + 1 in await committed_parents(database_url)


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


async def test_a_failed_statement_rolls_back_and_releases(
    database: TodoDatabase, database_url: str
) -> None:

    async def insert_twice() -> None:
        async with database.transaction():
            await database.execute(text("INSERT INTO parent VALUES (1)"))
            await database.execute(text("INSERT INTO parent VALUES (1)"))

    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await insert_twice()

    assert await committed_parents(database_url) == []
    await assert_usable(database, database_url, 10)


async def test_a_failed_commit_rolls_back_and_releases(
    database: TodoDatabase, database_url: str
) -> None:

    async def insert_orphan() -> None:
        async with database.transaction():
            await database.execute(text("INSERT INTO parent VALUES (1)"))
            # Checked only at COMMIT: the child's parent does not exist.
            await database.execute(text("INSERT INTO child VALUES (99)"))

    with pytest.raises((sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)):
        await insert_orphan()

    assert await committed_parents(database_url) == []
    assert await database.fetch_val(text("SELECT count(*) FROM child")) == 0
    await assert_usable(database, database_url, 10)


async def test_a_failed_nested_commit_leaves_the_outer_transaction_whole(
    database: TodoDatabase, database_url: str
) -> None:
    async with database.transaction():
        await database.execute(text("INSERT INTO parent VALUES (1)"))
        with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
            async with database.transaction():
                await database.execute(text("INSERT INTO parent VALUES (1)"))
        await database.execute(text("INSERT INTO parent VALUES (2)"))

    assert await committed_parents(database_url) == [1, 2]
    await assert_usable(database, database_url, 10)


async def test_a_begin_refused_before_it_reaches_the_server_releases(
    database: TodoDatabase, database_url: str
) -> None:
    # An option neither driver accepts fails inside BEGIN, after the connection was taken.
    with pytest.raises((TypeError, ValueError)):
        async with database.transaction(isolation="sometimes"):
            pass

    await assert_usable(database, database_url, 10)


async def test_a_begin_that_cannot_get_the_write_lock_releases(
    database: TodoDatabase, database_url: str
) -> None:
    if database.dialect_name != "sqlite":
        pytest.skip("the write lock taken at BEGIN is SQLite's")
    with sqlite_write_lock(sqlite_path(database_url)):
        with pytest.raises(sqlite3.OperationalError, match="locked") as failed:
            async with database.transaction(lock_timeout=0.2):
                pass
        assert lock_wait_expired(failed.value)
        # Plain reads go on while another process writes.
        assert await database.fetch_val(text("SELECT count(*) FROM parent")) == 0

    await assert_usable(database, database_url, 10)
    # The shortened wait was for that BEGIN only.
    assert await database.fetch_val(text("PRAGMA busy_timeout")) == 5000


async def test_a_cancelled_begin_rolls_back_what_it_opened(
    database: TodoDatabase, database_url: str
) -> None:
    if database.dialect_name != "sqlite":
        pytest.skip("the write lock taken at BEGIN is SQLite's")
    with sqlite_write_lock(sqlite_path(database_url)) as lock:

        async def begin() -> None:
            async with database.transaction():
                await database.execute(text("INSERT INTO parent VALUES (1)"))

        waiting = asyncio.create_task(begin())
        await asyncio.sleep(0.3)
        waiting.cancel()
        # The BEGIN goes on waiting in SQLite's thread and gets the lock once it is free.
        await asyncio.to_thread(lock.release)
        with pytest.raises(asyncio.CancelledError):
            await waiting

    # Were that BEGIN's transaction still open, this process would keep the write lock.
    with sqlite_write_lock(sqlite_path(database_url)):
        pass
    await assert_usable(database, database_url, 10)
    assert await committed_parents(database_url) == [10, 11]


async def test_a_lock_wait_gives_up_after_lock_timeout(
    database: TodoDatabase, database_url: str, postgres: PostgresServer
) -> None:
    if database.dialect_name != "postgresql":
        pytest.skip("the lock_timeout setting is PostgreSQL's")

    async def insert() -> None:
        async with database.transaction(lock_timeout=0.2):
            await database.execute(text("INSERT INTO parent VALUES (1)"))

    async with database.transaction():
        await database.execute(text("LOCK TABLE parent IN EXCLUSIVE MODE"))
        # Another task: another connection from the pool, so a real wait for the lock.
        with pytest.raises(asyncpg.LockNotAvailableError) as failed:
            await asyncio.create_task(insert())
        assert lock_wait_expired(failed.value)
    await assert_usable(database, database_url, 10)


async def test_a_lost_server_connection_is_released(
    database: TodoDatabase, database_url: str, postgres: PostgresServer
) -> None:
    if database.dialect_name != "postgresql":
        pytest.skip("a server connection to lose is PostgreSQL's")

    async def insert_after_losing_the_server() -> None:
        async with database.transaction():
            pid = await database.fetch_val(text("SELECT pg_backend_pid()"))
            postgres.psql(f"SELECT pg_terminate_backend({pid})")
            # Both this statement and the ROLLBACK after it fail: nothing to talk to.
            await database.execute(text("INSERT INTO parent VALUES (1)"))

    with pytest.raises((asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)):
        await insert_after_losing_the_server()

    await assert_usable(database, database_url, 10)

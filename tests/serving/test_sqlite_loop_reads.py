"""Short SQLite reads on the event loop's own connection: never a write, never a wait."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, insert, select, text

from tests.database.test_sqlite import database_at
from todo_async.database.sqlite import SQLiteBackend
from todo_async.serving.sqlite_loop_reads import LoopReads

numbers = Table("numbers", MetaData(), Column("x", Integer))
# Counts to ten million: a statement that keeps SQLite busy for a second or more.
SLOW_COUNT = text(
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000)"
    " SELECT count(*) FROM n"
)


async def test_a_short_read_does_not_wait_behind_a_long_statement(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        await database.execute(text("CREATE TABLE numbers (x INTEGER)"))
        await database.execute(text("INSERT INTO numbers VALUES (7)"))
        slow = asyncio.create_task(database.rows(("slow",), lambda: SLOW_COUNT, {}, short=False))
        await asyncio.sleep(0.05)  # the slow count is running in the thread
        # Run on the event loop's own connection, it is not queued behind the count.
        assert await database.rows(("read",), lambda: select(numbers.c.x), {}) == [(7,)]
        assert not slow.done()
        assert await slow == [(10_000_000,)]


class BusyConnection(sqlite3.Connection):
    """Answers every statement as SQLite does while another process holds the database."""

    def execute(self, *args: object) -> sqlite3.Cursor:
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY
        raise error


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[SQLiteBackend]:
    """A connected backend with an empty `numbers` table."""
    backend = SQLiteBackend(f"sqlite:///{tmp_path / 'a.db'}")
    await backend.connect()
    try:
        await (await backend._pool.for_statement()).execute("CREATE TABLE numbers (x INTEGER)")
        yield backend
    finally:
        await backend.disconnect()


async def test_a_short_read_refused_on_the_loop_runs_in_the_thread(
    backend: SQLiteBackend, tmp_path: Path
) -> None:
    connection = backend._pool
    await (await connection.for_statement()).execute("INSERT INTO numbers VALUES (1)")
    connection._close_on_loop()
    connection._on_loop = LoopReads(sqlite3.connect(tmp_path / "a.db", factory=BusyConnection))
    read = backend.prepare(select(numbers.c.x))
    assert connection.read_on_loop(read, []) is None
    assert await backend.rows(read, {}) == [(1,)]


async def test_writes_never_run_on_the_loop(backend: SQLiteBackend) -> None:
    write = backend.prepare(insert(numbers).values(x=bindparam("x")))
    read = backend.prepare(select(numbers.c.x))
    assert backend._pool.read_on_loop(write, [1]) is None
    assert backend._pool.read_on_loop(read, []) == []

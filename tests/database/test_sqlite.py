"""The persistent-connection SQLite backend."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, column, insert, table, text

from testbed.sqlite_lock import sqlite_write_lock
from todo_async.database.engine import open_database
from todo_async.database.sqlite import CHECKPOINT_INTERVAL_S
from todo_async.database.write_lock import WriteLockWaitExpired
from todo_async.settings import Settings


def database_at(path: Path, synchronous: str = "normal"):  # type: ignore[no-untyped-def]
    return open_database(Settings(database_url=f"sqlite:///{path}", sqlite_synchronous=synchronous))


async def test_wal_busy_timeout_and_synchronous(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db", "full") as database:
        assert await database.fetch_val(text("PRAGMA journal_mode")) == "wal"
        assert await database.fetch_val(text("PRAGMA busy_timeout")) == 5000
        assert await database.fetch_val(text("PRAGMA synchronous")) == 2


async def test_creates_the_parent_directory(tmp_path: Path) -> None:
    async with database_at(tmp_path / "nested" / "dir" / "a.db") as database:
        assert await database.fetch_val(text("SELECT 1")) == 1
    assert (tmp_path / "nested" / "dir" / "a.db").exists()


async def test_one_connection_serves_every_query(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        await database.execute(text("CREATE TEMP TABLE marker (x INTEGER)"))
        # A temp table is visible only on the connection that made it.
        counts = await asyncio.gather(
            *(database.fetch_val(text("SELECT count(*) FROM marker")) for _ in range(20))
        )
    assert counts == [0] * 20


async def test_transactions_roll_back_whole(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        await database.execute(text("CREATE TABLE t (x INTEGER)"))

        async def insert_then_fail() -> None:
            async with database.transaction():
                await database.execute(text("INSERT INTO t VALUES (1)"))
                raise RuntimeError

        with pytest.raises(RuntimeError):
            await insert_then_fail()
        assert await database.fetch_val(text("SELECT count(*) FROM t")) == 0


def test_rejects_an_unknown_synchronous_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        database_at(tmp_path / "a.db", "sometimes")


async def test_iterate_and_execute_many(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        await database.execute(text("CREATE TABLE t (x INTEGER)"))
        await database.execute_many("INSERT INTO t VALUES (:x)", [{"x": 1}, {"x": 2}])
        seen = [row[0] async for row in database.iterate(text("SELECT x FROM t ORDER BY x"))]
    assert seen == [1, 2]


async def test_a_statement_never_joins_another_tasks_transaction(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        await database.execute(text("CREATE TABLE t (x INTEGER)"))
        begun = asyncio.Event()

        async def insert_then_roll_back() -> None:
            async with database.transaction():
                await database.execute(text("INSERT INTO t VALUES (1)"))
                begun.set()
                await asyncio.sleep(0.2)
                raise RuntimeError

        async def insert_meanwhile() -> None:
            await begun.wait()
            await database.execute(text("INSERT INTO t VALUES (2)"))

        results = await asyncio.gather(
            insert_then_roll_back(), insert_meanwhile(), return_exceptions=True
        )
        assert isinstance(results[0], RuntimeError)
        # The second insert waited for the rollback instead of being undone by it.
        assert [row[0] for row in await database.fetch_all(text("SELECT x FROM t"))] == [2]


async def test_a_failed_commit_rolls_back_and_frees_the_connection(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        await database.execute(text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
        await database.execute(
            text("CREATE TABLE c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)")
        )
        with pytest.raises(sqlite3.IntegrityError):
            async with database.transaction():
                await database.execute(text("INSERT INTO c VALUES (7)"))
        # Not left inside the failed transaction, and not locked out.
        await asyncio.wait_for(database.execute(text("INSERT INTO p VALUES (1)")), 5)
        assert await database.fetch_val(text("SELECT count(*) FROM c")) == 0
        assert await database.fetch_val(text("SELECT count(*) FROM p")) == 1


async def test_checkpoints_run_on_their_own_connection(tmp_path: Path) -> None:
    async with database_at(tmp_path / "a.db") as database:
        # The shared connection never checkpoints at the end of a write.
        assert await database.fetch_val(text("PRAGMA wal_autocheckpoint")) == 0
        await database.execute(text("CREATE TABLE t (x INTEGER)"))
        await database.execute_many("INSERT INTO t VALUES (:x)", [{"x": x} for x in range(50)])
        await asyncio.sleep(CHECKPOINT_INTERVAL_S * 4)
        # The database file alone, without its WAL, holds what was committed.
        shutil.copy(tmp_path / "a.db", tmp_path / "copy.db")
        copy = sqlite3.connect(tmp_path / "copy.db")
        try:
            assert copy.execute("SELECT count(*) FROM t").fetchone() == (50,)
        finally:
            copy.close()


async def test_writes_wait_for_another_workers_turn_within_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    settings = Settings(database_url=f"sqlite:///{path}", database_lock_timeout=0.3)
    values = table("t", column("x"))

    def insert_one() -> Any:
        return insert(values).values(x=bindparam("x"))

    async with open_database(settings) as database:
        await database.execute(text("CREATE TABLE t (x INTEGER)"))
        with sqlite_write_lock(path, service=True):
            with pytest.raises(WriteLockWaitExpired):
                await database.changed(("insert",), insert_one, {"x": 1})
            with pytest.raises(WriteLockWaitExpired):
                async with database.transaction():
                    pass
        # Its turn came: the statement, and a transaction to its end.
        await database.changed(("insert",), insert_one, {"x": 2})
        async with database.transaction():
            await database.changed(("insert",), insert_one, {"x": 3})
        assert await database.fetch_val(text("SELECT group_concat(x) FROM t")) == "2,3"
        # The lock is free again: another process takes it at once.
        with sqlite_write_lock(path, service=True):
            pass

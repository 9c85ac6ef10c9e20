"""The failure table, on errors the real databases raise."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from hostkit.ports import free_port
from testbed.postgres import PostgresServer
from testbed.sqlite_lock import sqlite_write_lock
from todo_async.database.failures import (
    DISK_FULL,
    LOCK_TIMEOUT,
    POOL_WAIT,
    READ_ONLY,
    STATEMENT_TIMEOUT,
    TIMEOUT,
    UNAVAILABLE,
    PoolWaitExpired,
    StorageFailure,
    cause,
    storage_failure,
)


def sqlite_error(path: Path, *statements: str, uri: bool = False) -> sqlite3.Error:
    connection = sqlite3.connect(str(path), isolation_level=None, uri=uri)
    try:
        for statement in statements:
            connection.execute(statement)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError("no error")


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x TEXT UNIQUE)")
        connection.execute("INSERT INTO t VALUES ('a')")
    return path


def test_sqlite_full_is_507(table: Path) -> None:
    error = sqlite_error(
        table, "PRAGMA max_page_count = 2", "INSERT INTO t SELECT hex(randomblob(3000))"
    )
    assert storage_failure(error) == DISK_FULL
    assert DISK_FULL.status == 507
    assert cause(error) == "OperationalError SQLITE_FULL: database or disk is full"


def test_sqlite_busy_past_the_busy_timeout_is_a_lock_timeout(table: Path) -> None:
    with sqlite_write_lock(table):
        error = sqlite_error(table, "PRAGMA busy_timeout = 10", "INSERT INTO t VALUES ('b')")
    assert storage_failure(error) == LOCK_TIMEOUT


def test_sqlite_read_only_and_cannot_open(table: Path, tmp_path: Path) -> None:
    read_only = sqlite_error(Path(f"file:{table}?mode=ro"), "INSERT INTO t VALUES ('b')", uri=True)
    assert storage_failure(read_only) == READ_ONLY
    with pytest.raises(sqlite3.OperationalError) as cannot_open:
        sqlite3.connect(tmp_path / "missing" / "t.db")
    assert storage_failure(cannot_open.value) == UNAVAILABLE


def test_sqlite_errors_of_the_statement_are_no_outage(table: Path) -> None:
    assert storage_failure(sqlite_error(table, "INSERT INTO t VALUES ('a')")) is None
    assert storage_failure(sqlite_error(table, "SELECT nothing FROM t")) is None


async def test_postgres_timeouts_and_read_only(postgres: PostgresServer) -> None:
    connection = await asyncpg.connect(postgres.url)
    try:
        await connection.execute("SET statement_timeout = 50")
        with pytest.raises(asyncpg.PostgresError) as timed_out:
            await connection.execute("SELECT pg_sleep(2)")
        await connection.execute("SET statement_timeout = 0")
        await connection.execute("SET default_transaction_read_only = on")
        with pytest.raises(asyncpg.PostgresError) as read_only:
            await connection.execute("CREATE TABLE t (x int)")
        await connection.execute("SET default_transaction_read_only = off")
        with pytest.raises(asyncpg.PostgresError) as syntax:
            await connection.execute("SELEKT 1")
    finally:
        await connection.close()
    assert storage_failure(timed_out.value) == STATEMENT_TIMEOUT
    assert storage_failure(read_only.value) == READ_ONLY
    assert storage_failure(syntax.value) is None
    assert cause(timed_out.value).startswith("QueryCanceledError 57014: canceling statement")


async def test_postgres_lock_timeout(postgres: PostgresServer) -> None:
    holder = await asyncpg.connect(postgres.url)
    waiter = await asyncpg.connect(postgres.url, server_settings={"lock_timeout": "50"})
    try:
        await holder.execute("BEGIN; LOCK TABLE pg_database IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(asyncpg.PostgresError) as waited:
            await waiter.execute("BEGIN; LOCK TABLE pg_database IN ACCESS SHARE MODE")
    finally:
        await holder.close()
        await waiter.close()
    assert storage_failure(waited.value) == LOCK_TIMEOUT


async def test_postgres_session_ended_by_the_server(postgres: PostgresServer) -> None:
    connection = await asyncpg.connect(postgres.url)
    try:
        pid = connection.get_server_pid()
        postgres.psql(f"SELECT pg_terminate_backend({pid})")
        with pytest.raises(Exception) as ended:  # noqa: PT011 (the class is the subject)
            await connection.fetch("SELECT 1")
    finally:
        await connection.close()
    assert storage_failure(ended.value) == UNAVAILABLE


async def test_postgres_not_listening() -> None:
    with pytest.raises(ConnectionRefusedError) as refused:
        await asyncpg.connect(f"postgresql://todo@127.0.0.1:{free_port()}/todo")
    assert storage_failure(refused.value) == UNAVAILABLE


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (asyncpg.exceptions.DiskFullError("could not extend file"), DISK_FULL),
        (
            asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
            UNAVAILABLE,
        ),
        (asyncpg.exceptions.TooManyConnectionsError("too many clients"), UNAVAILABLE),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), None),
        (PoolWaitExpired("no pooled connection within 5 s"), POOL_WAIT),
        (TimeoutError(), TIMEOUT),
        (ZeroDivisionError(), None),
        (RuntimeError("a bug"), None),
    ],
)
def test_the_classes_no_test_server_raises_at_will(
    error: Exception, failure: StorageFailure | None
) -> None:
    assert storage_failure(error) == failure

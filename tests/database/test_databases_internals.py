"""What the storage layer reads and sets inside `databases` still behaves as it relies on.

Run against the installed (pinned) version: an upgrade that renames or changes any of
it fails here, before a transaction or a hot-path query misbehaves.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from databases import Database
from sqlalchemy import literal_column, select
from sqlalchemy.dialects.postgresql.base import PGDialect

from todo_async.database.databases_internals import (
    asyncpg_connection,
    asyncpg_pool,
    backend,
    backend_transaction,
    connection_backend,
    dialect,
    held_connection,
    hold_connection,
    set_asyncpg_connection,
    set_backend_transaction,
    transaction_connection,
    transaction_lock,
    transaction_options,
    transaction_stack,
)
from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.postgres import PostgresBackend, PostgresConnection
from todo_async.database.sqlite import SQLiteBackend, SQLiteConnection, SQLiteTransaction
from todo_async.database.transactions import TodoConnection
from todo_async.settings import Settings


def sqlite_database(tmp_path: Path) -> TodoDatabase:
    return open_database(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}"))


async def in_another_task(database: Database) -> object:
    """The connection another task holds."""

    async def held() -> object:
        return held_connection(database)

    return await asyncio.create_task(held())


async def test_the_backend_is_the_one_for_the_url(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    assert isinstance(backend(database), SQLiteBackend)


async def test_a_task_holds_a_connection_only_inside_its_transaction(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as database:
        assert held_connection(database) is None
        async with database.transaction() as transaction:
            held = held_connection(database)
            assert held is transaction_connection(transaction)
            assert isinstance(held, TodoConnection)
            assert isinstance(connection_backend(held), SQLiteConnection)
            assert await in_another_task(database) is None
        assert held_connection(database) is None


async def test_under_force_rollback_every_task_holds_the_shared_connection(
    tmp_path: Path,
) -> None:
    database = TodoDatabase(f"sqlite:///{tmp_path / 'a.db'}", force_rollback=True)
    async with database:
        shared = held_connection(database)
        assert shared is not None
        assert await in_another_task(database) is shared
        assert database.connection() is shared


async def test_a_held_connection_is_the_tasks_own(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as database:
        connection = TodoConnection(database, backend(database))
        hold_connection(database, connection)
        assert held_connection(database) is connection
        assert database.connection() is connection
        assert await in_another_task(database) is None


async def test_nested_transactions_stack_on_one_connection(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as database:
        async with database.transaction() as outer:
            connection = transaction_connection(outer)
            async with database.transaction() as inner:
                assert transaction_connection(inner) is connection
                assert transaction_stack(connection) == [outer, inner]
            assert transaction_stack(connection) == [outer]
        assert transaction_stack(connection) == []


async def test_a_transaction_starts_only_under_its_connections_lock(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as database:
        connection = database.connection()
        lock = transaction_lock(connection)
        assert isinstance(lock, asyncio.Lock)
        transaction = connection.transaction()

        async def open_then_roll_back() -> list[object]:
            await transaction.start()
            open_ones = list(transaction_stack(connection))
            await transaction.rollback()
            return open_ones

        async with lock:
            starting = asyncio.create_task(open_then_roll_back())
            await asyncio.sleep(0.01)
            assert not starting.done()
        async with asyncio.timeout(5):
            assert await starting == [transaction]


async def test_the_backend_transaction_is_kept_from_start_to_end(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as database:
        transaction = database.transaction(lock_timeout=0.5)
        assert transaction_options(transaction) == {"lock_timeout": 0.5}
        assert backend_transaction(transaction) is None
        await transaction.start()
        try:
            opened = backend_transaction(transaction)
            assert isinstance(opened, SQLiteTransaction)
            set_backend_transaction(transaction, None)
            assert backend_transaction(transaction) is None
            set_backend_transaction(transaction, opened)
        finally:
            await transaction.rollback()
        assert backend_transaction(transaction) is None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_postgres_pool_dialect_and_driver_connection(database_url: str) -> None:
    database = open_database(Settings(database_url=database_url))
    postgres = backend(database)
    assert isinstance(postgres, PostgresBackend)
    assert isinstance(dialect(postgres), PGDialect)
    assert asyncpg_pool(postgres) is None
    async with database:
        assert isinstance(asyncpg_pool(postgres), asyncpg.Pool)
        connection = postgres.connection()
        assert isinstance(connection, PostgresConnection)
        assert asyncpg_connection(connection) is None
        await connection.acquire()
        driver = asyncpg_connection(connection)
        assert isinstance(driver, asyncpg.Connection)
        await connection.release()
        assert asyncpg_connection(connection) is None
        # Set from outside, it is the one the stock connection queries and releases.
        set_asyncpg_connection(connection, await asyncpg_pool(postgres).acquire())
        assert await connection.fetch_val(select(literal_column("2"))) == 2
        await connection.release()
        assert asyncpg_connection(connection) is None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_stock_postgres_queries_compile_through_the_override(
    database_url: str,
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        statements = backend(database)._statements  # type: ignore[attr-defined]
        before = len(statements._entries)
        assert await database.fetch_val(select(literal_column("1"))) == 1
        assert len(statements._entries) == before + 1

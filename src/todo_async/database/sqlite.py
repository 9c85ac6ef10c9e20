"""A SQLite backend for `databases` that keeps one persistent connection.

The stock backend opens a new connection (and thread) for every query and cannot set
pragmas; under load that is several times slower and fails with "database is locked".
Here one connection per process, in WAL mode with a busy timeout, serves every query in
turn: SQLite allows one writer at a time anyway, and a lock held from acquire to release
keeps each transaction on it whole.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
from databases.backends import sqlite as stock
from databases.core import DatabaseURL
from databases.interfaces import TransactionBackend
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.ddl import DDLElement

from todo_async.database.statement_cache import StatementCache

BUSY_TIMEOUT_MS = 5000
SYNCHRONOUS_MODES = ("off", "normal", "full", "extra")


class PersistentConnection(stock.SQLitePool):
    """A pool of one: hands out the same connection to one holder at a time."""

    def __init__(self, url: DatabaseURL, synchronous: str) -> None:
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}")
        super().__init__(url)
        self._path = url.database
        self._synchronous = synchronous
        self._connection: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; transactions are begun explicitly.
        connection = await aiosqlite.connect(self._path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA synchronous={self._synchronous}",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
        ):
            await connection.execute(pragma)
        self._connection = connection

    async def close(self) -> None:
        if self._connection is not None:
            async with self._lock:
                await self._connection.execute("PRAGMA optimize")
                await self._connection.close()
                self._connection = None

    async def acquire(self) -> aiosqlite.Connection:
        await self._lock.acquire()
        if self._connection is None:
            self._lock.release()
            raise RuntimeError("the SQLite database is not connected")
        return self._connection

    async def release(self, connection: aiosqlite.Connection) -> None:
        self._lock.release()


class SQLiteBackend(stock.SQLiteBackend):
    def __init__(self, database_url: DatabaseURL | str, **options: Any) -> None:
        super().__init__(database_url)
        self._pool: PersistentConnection = PersistentConnection(
            DatabaseURL(database_url), options.get("synchronous", "normal")
        )
        self._statements = StatementCache(self._dialect, self._execution_context)

    async def connect(self) -> None:
        await self._pool.open()

    async def disconnect(self) -> None:
        await self._pool.close()

    def connection(self) -> SQLiteConnection:
        return SQLiteConnection(self._pool, self._dialect, self._statements)

    def _execution_context(self, compiled: Compiled) -> stock.CompilationContext:
        """What the stock connection needs to read result rows of this statement."""
        context = self._dialect.execution_ctx_cls()
        context.dialect = self._dialect
        context.result_column_struct = (  # type: ignore[assignment]
            compiled._result_columns,
            compiled._ordered_columns,  # type: ignore[attr-defined]
            compiled._textual_ordered_columns,  # type: ignore[attr-defined]
            compiled._ad_hoc_textual,  # type: ignore[attr-defined]
            compiled._loose_column_name_matching,  # type: ignore[attr-defined]
        )
        return stock.CompilationContext(context)


class SQLiteConnection(stock.SQLiteConnection):
    def __init__(
        self,
        pool: PersistentConnection,
        dialect: Any,
        statements: StatementCache[stock.CompilationContext],
    ) -> None:
        super().__init__(pool, dialect)
        self._statements = statements

    # The stock annotation says three items; the stock code returns these four.
    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], Any, Any]:  # type: ignore[override]
        if isinstance(query, DDLElement):
            return super()._compile(query)  # type: ignore[return-value]
        compiled, context, params = self._statements.compile(query)
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        args = [
            processors[key](params[key]) if key in processors else params[key]
            for key in compiled.positiontup  # type: ignore[attr-defined]
        ]
        return compiled.string, args, compiled._result_columns, context

    def transaction(self) -> TransactionBackend:
        return ImmediateTransaction(self)


class ImmediateTransaction(stock.SQLiteTransaction):
    """Takes the write lock at BEGIN.

    A deferred transaction that reads and then writes can fail with SQLITE_BUSY at once
    when another process wrote in between; BEGIN IMMEDIATE waits for the busy timeout.
    """

    async def start(self, is_root: bool, extra_options: dict[Any, Any]) -> None:
        if not is_root:
            await super().start(is_root, extra_options)
            return
        assert self._connection._connection is not None, "Connection is not acquired"
        self._is_root = True
        await self._connection._connection.execute("BEGIN IMMEDIATE")

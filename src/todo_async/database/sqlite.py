"""A SQLite backend for `databases` that keeps one persistent connection.

The stock backend opens a new connection (and thread) for every query and cannot set
pragmas; under load that is several times slower and fails with "database is locked".
Here one connection per process, in WAL mode with a busy timeout, serves every query in
turn: SQLite allows one writer at a time anyway, and a lock held from acquire to release
keeps each transaction on it whole. Each query is one trip to the connection's thread.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from databases.core import DatabaseURL
from databases.interfaces import ConnectionBackend, DatabaseBackend, Record, TransactionBackend
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.ddl import DDLElement

from todo_async.database.statement_cache import StatementCache
from todo_async.database.transactions import lock_timeout_ms

BUSY_TIMEOUT_MS = 5000
SYNCHRONOUS_MODES = ("off", "normal", "full", "extra")


class PersistentConnection:
    """A pool of one: hands out the same connection to one holder at a time."""

    def __init__(self, path: str, synchronous: str) -> None:
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}")
        self._path = path
        self._synchronous = synchronous
        self._connection: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; transactions are begun explicitly.
        connection = await aiosqlite.connect(self._path, isolation_level=None)
        try:
            for pragma in (
                "PRAGMA journal_mode=WAL",
                f"PRAGMA synchronous={self._synchronous}",
                f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
                "PRAGMA foreign_keys=ON",
            ):
                await connection.execute(pragma)
        except BaseException:
            # Switching to WAL fails at once while another process writes to a new file.
            await connection.close()
            raise
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

    def release(self) -> None:
        self._lock.release()


@dataclass(frozen=True)
class ResultShape:
    """How to read a statement's result rows: column keys and SQLAlchemy's value processors."""

    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def record(self, values: Sequence[Any]) -> SQLiteRecord:
        if any(self.processors):
            values = [
                value if process is None or value is None else process(value)
                for process, value in zip(self.processors, values, strict=True)
            ]
        return SQLiteRecord(self.keys, tuple(values))


class SQLiteRecord(Record):
    """A result row, by position or by column key."""

    __slots__ = ("_by_key", "_values")

    def __init__(self, keys: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self._values = values
        self._by_key = dict(zip(keys, values, strict=False))

    @property
    def _mapping(self) -> dict[str, Any]:
        return self._by_key

    def __getitem__(self, key: Any) -> Any:
        return self._values[key] if isinstance(key, int) else self._by_key[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class SQLiteBackend(DatabaseBackend):
    def __init__(self, database_url: DatabaseURL | str, **options: Any) -> None:
        self._dialect = pysqlite.dialect(paramstyle="qmark")
        # Decimals would come back as floats from sqlite3; let SQLAlchemy convert them.
        self._dialect.supports_native_decimal = False
        self._pool = PersistentConnection(
            DatabaseURL(database_url).database, options.get("synchronous", "normal")
        )
        self._statements = StatementCache(self._dialect, self._result_shape)

    async def connect(self) -> None:
        await self._pool.open()

    async def disconnect(self) -> None:
        await self._pool.close()

    def connection(self) -> SQLiteConnection:
        return SQLiteConnection(self._pool, self._statements)

    def _result_shape(self, compiled: Compiled) -> ResultShape:
        columns = compiled._result_columns or []
        return ResultShape(
            tuple(column.keyname for column in columns),
            tuple(column.type._cached_result_processor(self._dialect, None) for column in columns),
        )


class SQLiteConnection(ConnectionBackend):
    def __init__(self, pool: PersistentConnection, statements: StatementCache[ResultShape]) -> None:
        self._pool = pool
        self._statements = statements
        self._connection: aiosqlite.Connection | None = None

    async def acquire(self) -> None:
        assert self._connection is None, "Connection is already acquired"
        self._connection = await self._pool.acquire()

    async def release(self) -> None:
        assert self._connection is not None, "Connection is not acquired"
        self._connection = None
        self._pool.release()

    @property
    def raw_connection(self) -> aiosqlite.Connection:
        assert self._connection is not None, "Connection is not acquired"
        return self._connection

    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], ResultShape]:
        compiled, shape, params = self._statements.compile(query)
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        positions = compiled.positiontup or ()  # type: ignore[attr-defined]
        args = [
            processors[key](params[key]) if key in processors else params[key] for key in positions
        ]
        return compiled.string, args, shape

    async def fetch_all(self, query: ClauseElement) -> list[Record]:
        sql, args, shape = self._compile(query)
        rows = await self.raw_connection.execute_fetchall(sql, args)
        return [shape.record(row) for row in rows]

    async def fetch_one(self, query: ClauseElement) -> Record | None:
        # All rows in one trip: a RETURNING statement only completes once fully stepped.
        rows = await self.fetch_all(query)
        return rows[0] if rows else None

    async def execute(self, query: ClauseElement) -> Any:
        if isinstance(query, DDLElement):
            sql, args = str(query.compile(dialect=self._statements.dialect)), list[Any]()
        else:
            sql, args, _ = self._compile(query)
        async with self.raw_connection.execute(sql, args) as cursor:
            return cursor.lastrowid or cursor.rowcount

    async def execute_many(self, queries: list[ClauseElement]) -> None:
        for query in queries:
            await self.execute(query)

    async def iterate(self, query: ClauseElement) -> AsyncGenerator[Any, None]:
        sql, args, shape = self._compile(query)
        async with self.raw_connection.execute(sql, args) as cursor:
            async for row in cursor:
                yield shape.record(row)

    def transaction(self) -> TransactionBackend:
        return SQLiteTransaction(self)


class SQLiteTransaction(TransactionBackend):
    """A root transaction takes the write lock at BEGIN; nested ones are savepoints.

    A deferred transaction that reads and then writes can fail with SQLITE_BUSY at once
    when another process wrote in between; BEGIN IMMEDIATE waits for the busy timeout,
    or for the `lock_timeout` option's seconds.
    """

    def __init__(self, connection: SQLiteConnection) -> None:
        self._connection = connection
        self._savepoint: str | None = None

    async def _run(self, sql: str) -> None:
        await self._connection.raw_connection.execute(sql)

    async def start(self, is_root: bool, extra_options: dict[Any, Any]) -> None:
        if unknown := extra_options.keys() - {"lock_timeout"}:
            raise ValueError(f"unknown SQLite transaction options: {', '.join(sorted(unknown))}")
        if is_root:
            await self._begin(lock_timeout_ms(extra_options))
        else:
            self._savepoint = f"savepoint_{uuid.uuid4().hex}"
            await self._run(f"SAVEPOINT {self._savepoint}")

    async def _begin(self, lock_timeout_ms: int | None) -> None:
        if lock_timeout_ms is None:
            await self._run("BEGIN IMMEDIATE")
            return
        await self._run(f"PRAGMA busy_timeout={lock_timeout_ms}")
        try:
            await self._run("BEGIN IMMEDIATE")
        finally:
            await self._run(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    async def commit(self) -> None:
        await self._run(f"RELEASE SAVEPOINT {self._savepoint}" if self._savepoint else "COMMIT")

    async def rollback(self) -> None:
        if self._savepoint:
            await self._run(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
        else:
            # sqlite3's rollback does nothing when no transaction is open: SQLite ends
            # some on its own at an error, and a BEGIN that failed opened none.
            await self._connection.raw_connection.rollback()

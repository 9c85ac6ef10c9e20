"""A SQLite backend for `databases` that keeps its connections open.

The stock backend opens a new connection (and thread) for every query and cannot set
pragmas; under load that is several times slower and fails with "database is locked".
Here the connections stay open, in WAL mode with a busy timeout.

A short read (one that seeks an index: a todo, a page) runs on a read-only connection
of the event loop's own (`todo_async.serving.sqlite_loop_reads`). Every write goes to a
shared connection served by aiosqlite's thread, as does a read that may read much of the
table (a summary). There, single statements are queued without waiting for each other;
a transaction holds that connection alone from BEGIN to its end, and single statements
wait until it is over instead of joining it.

Across processes (several workers on one file), each write statement and each write
transaction holds the write lock of `todo_async.database.write_lock` in aiosqlite's thread,
around the statement or from BEGIN IMMEDIATE to COMMIT or ROLLBACK: writers take turns
in the order they came, instead of sleeping in SQLite's busy handler.

WAL checkpoints run on a third connection, in its own thread, a few times a second:
SQLite's automatic checkpoint would run them at the end of a write, holding every
statement behind it for the copy and its fsyncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from databases.core import DatabaseURL
from databases.interfaces import ConnectionBackend, DatabaseBackend, Record, TransactionBackend
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.ddl import DDLElement

from todo_async.database.failures import cause, storage_failure
from todo_async.database.prepared import Prepared
from todo_async.database.transactions import lock_timeout_ms, milliseconds
from todo_async.database.write_lock import WriteLock
from todo_async.serving.sqlite_loop_reads import LoopReads
from todo_async.serving.statement_cache import StatementCache

logger = logging.getLogger(__name__)
Result = TypeVar("Result")

# How often the checkpointer copies committed WAL frames into the database file. A
# checkpoint with nothing to copy costs ~0.1 ms; under writes, each one copies what
# 0.25 s committed, about as much as SQLite's own default (every 1000 pages) would.
CHECKPOINT_INTERVAL_S = 0.25
DEFAULT_BUSY_TIMEOUT_S = 5.0
SYNCHRONOUS_MODES = ("off", "normal", "full", "extra")


class PersistentConnection:
    """The event loop's connection for short reads, and a shared one in a thread: single
    statements share that; a transaction has it to itself."""

    def __init__(self, path: str, synchronous: str, busy_timeout_ms: int) -> None:
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}")
        self._path = path
        self._synchronous = synchronous
        # How long a write waits for another process's write lock before SQLITE_BUSY.
        self.busy_timeout_ms = busy_timeout_ms
        self._connection: aiosqlite.Connection | None = None
        self._writer: WriteLock | None = None
        self._on_loop: LoopReads | None = None
        self._checkpoints: asyncio.Task[None] | None = None
        self._transaction = asyncio.Lock()
        # Set while no transaction is open: what single statements wait for.
        self._no_transaction = asyncio.Event()
        self._no_transaction.set()

    async def open(self) -> None:
        in_memory = self._path == ":memory:"
        if not in_memory:
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; transactions are begun explicitly.
        connection = await aiosqlite.connect(self._path, isolation_level=None)
        try:
            for pragma in (
                "PRAGMA journal_mode=WAL",
                f"PRAGMA synchronous={self._synchronous}",
                f"PRAGMA busy_timeout={self.busy_timeout_ms}",
                "PRAGMA foreign_keys=ON",
                # Checkpoints are the checkpointer's (below), never this connection's.
                "PRAGMA wal_autocheckpoint=0",
            ):
                await connection.execute(pragma)
            if not in_memory:
                # Each ":memory:" connection would be a database of its own: none there.
                self._writer = WriteLock(f"{self._path}-writer.lock")
                self._on_loop = LoopReads.open(self._path)
                checkpointer = await aiosqlite.connect(self._path, isolation_level=None)
                self._checkpoints = asyncio.create_task(self._checkpoint_often(checkpointer))
        except BaseException:
            # Switching to WAL fails at once while another process writes to a new file.
            self._close_on_loop()
            self._close_writer()
            await connection.close()
            raise
        self._connection = connection

    def _close_on_loop(self) -> None:
        if self._on_loop is not None:
            self._on_loop.close()
            self._on_loop = None

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def read_on_loop(self, prepared: Prepared, args: Sequence[Any]) -> list[Any] | None:
        """A short read's rows, read on the loop; None if it must run on the thread."""
        return None if self._on_loop is None else self._on_loop.rows(prepared, args)

    async def _checkpoint_often(self, checkpointer: aiosqlite.Connection) -> None:
        """PASSIVE checkpoints: they wait for no reader or writer, and none waits for them."""
        try:
            # Its own setting decides whether a checkpoint fsyncs: the service's.
            await checkpointer.execute(f"PRAGMA synchronous={self._synchronous}")
            failing_since: float | None = None
            while True:
                await asyncio.sleep(CHECKPOINT_INTERVAL_S)
                try:
                    await checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as error:
                    # The WAL only grows until the next one succeeds; serving goes on.
                    # One line while they fail (a full disk), a traceback only for a bug.
                    if failing_since is None:
                        failing_since = time.monotonic()
                        logger.warning(
                            "WAL checkpoints fail: %s",
                            cause(error),
                            exc_info=storage_failure(error) is None,
                        )
                    continue
                if failing_since is not None:
                    failed_for = time.monotonic() - failing_since
                    logger.info("WAL checkpoints succeed again after %.1f s", failed_for)
                    failing_since = None
        finally:
            await checkpointer.close()

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            self._checkpoints = None
        self._close_on_loop()
        if self._connection is not None:
            async with self._transaction:
                await self._connection.execute("PRAGMA optimize")
                # The last connection to close checkpoints the whole WAL and removes it.
                await self._connection.close()
                self._connection = None
        self._close_writer()

    async def for_statement(self) -> aiosqlite.Connection:
        """The connection, once no transaction is open on it.

        The caller must queue its statement without awaiting anything else first: queued
        before a later BEGIN, the statement runs before it, outside the transaction.
        """
        while not self._no_transaction.is_set():
            await self._no_transaction.wait()
        return self._connected()

    async def begin(self) -> aiosqlite.Connection:
        """The connection for one transaction: held until `end`, other statements wait."""
        await self._transaction.acquire()
        self._no_transaction.clear()
        try:
            return self._connected()
        except BaseException:
            self.end()
            raise

    def end(self) -> None:
        self._no_transaction.set()
        self._transaction.release()

    # What follows runs in aiosqlite's thread (`_in_thread`), one call at a time: the
    # write lock is taken and let go there, around SQLite's own.

    def _lock_writes(self, timeout_ms: int) -> None:
        if self._writer is not None:
            self._writer.acquire(timeout_ms / 1000)

    def _unlock_writes(self) -> None:
        if self._writer is not None:
            self._writer.release()

    def write(
        self, connection: sqlite3.Connection, sql: str, args: Sequence[Any]
    ) -> tuple[list[Any], int]:
        """One write statement run to its end (its autocommit) under the write lock: the
        rows it returned, and how many it changed."""
        self._lock_writes(self.busy_timeout_ms)
        try:
            cursor = connection.execute(sql, args)
            # A RETURNING statement only completes (and commits) once fully stepped.
            return cursor.fetchall(), cursor.rowcount
        finally:
            self._unlock_writes()

    def begin_immediate(self, connection: sqlite3.Connection, lock_timeout_ms: int | None) -> None:
        """The write lock, then BEGIN IMMEDIATE: a transaction's hold on both from here on."""
        self._lock_writes(self.busy_timeout_ms if lock_timeout_ms is None else lock_timeout_ms)
        try:
            if lock_timeout_ms is None:
                connection.execute("BEGIN IMMEDIATE")
                return
            connection.execute(f"PRAGMA busy_timeout={lock_timeout_ms}")
            try:
                connection.execute("BEGIN IMMEDIATE")
            finally:
                connection.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        except BaseException:
            self._unlock_writes()
            raise

    def commit(self, connection: sqlite3.Connection) -> None:
        """COMMIT, then the write lock goes; a failed COMMIT keeps both until the rollback."""
        connection.execute("COMMIT")
        self._unlock_writes()

    def rollback(self, connection: sqlite3.Connection) -> None:
        # sqlite3's rollback does nothing when no transaction is open: SQLite ends
        # some on its own at an error, and a BEGIN that failed opened none.
        try:
            connection.rollback()
        finally:
            self._unlock_writes()

    def _connected(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise RuntimeError("the SQLite database is not connected")
        return self._connection


async def _in_thread(
    connection: aiosqlite.Connection, work: Callable[..., Result], *args: Any
) -> Result:
    """`work(the sqlite3 connection, *args)` in aiosqlite's thread, queued behind what was
    queued before. aiosqlite has no public way to do it: `_execute` and `_conn` are its own
    (the version is pinned exactly; the SQLite tests run every path through here)."""
    return await connection._execute(work, connection._conn, *args)  # type: ignore[no-untyped-call,no-any-return]


async def _rowcount(
    connection: aiosqlite.Connection, prepared: Prepared, values: Mapping[str, Any]
) -> int:
    async with connection.execute(prepared.sql, prepared.args(values)) as cursor:
        return cursor.rowcount


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
            DatabaseURL(database_url).database,
            options.get("synchronous", "normal"),
            milliseconds(options.get("busy_timeout", DEFAULT_BUSY_TIMEOUT_S)),
        )
        self._statements = StatementCache(self._dialect, self._result_shape)

    async def connect(self) -> None:
        await self._pool.open()

    async def disconnect(self) -> None:
        await self._pool.close()

    def connection(self) -> SQLiteConnection:
        return SQLiteConnection(self._pool, self._statements)

    def prepare(self, query: ClauseElement) -> Prepared:
        compiled = query.compile(dialect=self._dialect)
        return Prepared.of(compiled, compiled.string, compiled.positiontup or ())  # type: ignore[attr-defined]

    async def rows(
        self, prepared: Prepared, values: Mapping[str, Any], *, short: bool = True
    ) -> list[Any]:
        """One statement outside any transaction: the hot path, without a connection object.

        `short`: it seeks an index and reads a few rows, so as a read it may run on the
        event loop.
        """
        args = prepared.args(values)
        connection = await self._pool.for_statement()
        if prepared.writes:
            written, _ = await _in_thread(connection, self._pool.write, prepared.sql, args)
            return written
        if short and (rows := self._pool.read_on_loop(prepared, args)) is not None:
            return rows
        return list(await connection.execute_fetchall(prepared.sql, args))

    async def changed(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        """A write that may change many rows, on the thread; how many it changed."""
        connection = await self._pool.for_statement()
        _, count = await _in_thread(
            connection, self._pool.write, prepared.sql, prepared.args(values)
        )
        return count

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
        self._acquired = False
        # Set from BEGIN to the end of a root transaction: this connection holds the pool.
        self._held: aiosqlite.Connection | None = None

    async def acquire(self) -> None:
        assert not self._acquired, "Connection is already acquired"
        self._acquired = True

    async def release(self) -> None:
        assert self._acquired, "Connection is not acquired"
        self._acquired = False

    @property
    def raw_connection(self) -> aiosqlite.Connection:
        assert self._acquired, "Connection is not acquired"
        return self._held or self._pool._connected()

    async def _for_statement(self) -> aiosqlite.Connection:
        assert self._acquired, "Connection is not acquired"
        return self._held or await self._pool.for_statement()

    async def begin(self, lock_timeout_ms: int | None) -> None:
        """BEGIN IMMEDIATE once the connection is this transaction's alone.

        Whatever fails from here on, the transaction's rollback gives the connection back.
        """
        self._held = held = await self._pool.begin()
        await _in_thread(held, self._pool.begin_immediate, lock_timeout_ms)

    async def commit(self) -> None:
        assert self._held is not None, "no transaction is open"
        # A failed COMMIT keeps the connection: the rollback that follows ends the hold.
        await _in_thread(self._held, self._pool.commit)
        self._end()

    async def rollback(self) -> None:
        if self._held is None:
            return  # cancelled while waiting for its turn: nothing began
        try:
            await _in_thread(self._held, self._pool.rollback)
        finally:
            self._end()

    def _end(self) -> None:
        self._held = None
        self._pool.end()

    async def rows(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Any]:
        args = prepared.args(values)
        return list(await (await self._for_statement()).execute_fetchall(prepared.sql, args))

    async def changed(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        return await _rowcount(await self._for_statement(), prepared, values)

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
        rows = await (await self._for_statement()).execute_fetchall(sql, args)
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
        async with (await self._for_statement()).execute(sql, args) as cursor:
            return cursor.lastrowid or cursor.rowcount

    async def execute_many(self, queries: list[ClauseElement]) -> None:
        for query in queries:
            await self.execute(query)

    async def iterate(self, query: ClauseElement) -> AsyncGenerator[Any, None]:
        sql, args, shape = self._compile(query)
        async with (await self._for_statement()).execute(sql, args) as cursor:
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
            await self._connection.begin(lock_timeout_ms(extra_options))
        else:
            self._savepoint = f"savepoint_{uuid.uuid4().hex}"
            await self._run(f"SAVEPOINT {self._savepoint}")

    async def commit(self) -> None:
        if self._savepoint:
            await self._run(f"RELEASE SAVEPOINT {self._savepoint}")
        else:
            await self._connection.commit()

    async def rollback(self) -> None:
        if self._savepoint:
            await self._run(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
        else:
            await self._connection.rollback()

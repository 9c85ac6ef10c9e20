"""The `databases` PostgreSQL (asyncpg) backend, with compiled statements kept per shape,
a `lock_timeout` transaction option, a bounded wait for a pooled connection, and pooled
connections handed back without a reset (`todo_async.serving.pool_reset`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from databases.backends import postgres as stock
from databases.core import DatabaseURL
from databases.interfaces import TransactionBackend
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.ddl import DDLElement

from todo_async.database.databases_internals import (
    asyncpg_connection,
    asyncpg_pool,
    dialect,
    set_asyncpg_connection,
)
from todo_async.database.failures import PoolWaitExpired
from todo_async.database.prepared import Prepared
from todo_async.database.transactions import lock_timeout_ms
from todo_async.serving.pool_reset import POOL_WITHOUT_RESET
from todo_async.serving.statement_cache import StatementCache


@dataclass(frozen=True)
class NumberedStatement:
    """The statement with asyncpg's $1, $2… placeholders, and the bind names in that order."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, compiled: Compiled) -> NumberedStatement:
        names = tuple(sorted(compiled.params))
        numbered = {name: f"${position}" for position, name in enumerate(names, start=1)}
        return cls(compiled.string % numbered, names)


def _rowcount(status: str) -> int:
    """The row count of a command tag such as "DELETE 5000"."""
    return int(status.rsplit(" ", 1)[1])


class PostgresBackend(stock.PostgresBackend):
    def __init__(self, database_url: DatabaseURL | str, **options: Any) -> None:
        # The longest a statement waits for a pooled connection (seconds).
        self.pool_timeout: float | None = options.pop("pool_timeout", None)
        super().__init__(database_url, **{**POOL_WITHOUT_RESET, **options})
        self._statements = StatementCache(dialect(self), NumberedStatement.of)

    def connection(self) -> PostgresConnection:
        return PostgresConnection(self, dialect(self), self._statements)

    async def acquire(self) -> asyncpg.Connection:
        """A pooled connection, waited for (and connected, if the pool must) for at most
        `pool_timeout` seconds; past that, PoolWaitExpired."""
        pool = asyncpg_pool(self)
        assert pool is not None, "DatabaseBackend is not running"
        try:
            # asyncio.timeout rather than acquire's own timeout: that one runs every
            # acquire in a task of its own.
            async with asyncio.timeout(self.pool_timeout):
                return await pool.acquire()
        except TimeoutError:
            if self.pool_timeout is None:
                raise
            raise PoolWaitExpired(f"no pooled connection within {self.pool_timeout:g} s") from None

    def prepare(self, query: ClauseElement) -> Prepared:
        compiled = query.compile(dialect=dialect(self))
        statement = NumberedStatement.of(compiled)
        return Prepared.of(compiled, statement.sql, statement.names)

    async def rows(
        self, prepared: Prepared, values: Mapping[str, Any], *, short: bool = True
    ) -> list[Any]:
        """One statement on a pooled connection; asyncpg prepares it once per connection.

        Short or not, the statement runs on the server and never holds up the event loop.
        """
        connection = await self.acquire()
        try:
            return list(await connection.fetch(prepared.sql, *prepared.args(values)))
        finally:
            await self._release(connection)

    async def changed(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        connection = await self.acquire()
        try:
            return _rowcount(await connection.execute(prepared.sql, *prepared.args(values)))
        finally:
            await self._release(connection)

    async def _release(self, connection: asyncpg.Connection) -> None:
        pool = asyncpg_pool(self)
        assert pool is not None, "DatabaseBackend is not running"
        await pool.release(connection)


class PostgresConnection(stock.PostgresConnection):
    def __init__(
        self,
        database: PostgresBackend,
        dialect: Any,
        statements: StatementCache[NumberedStatement],
    ) -> None:
        super().__init__(database, dialect)
        self._backend = database
        self._statements = statements

    async def acquire(self) -> None:
        assert asyncpg_connection(self) is None, "Connection is already acquired"
        set_asyncpg_connection(self, await self._backend.acquire())

    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], Any]:
        if isinstance(query, DDLElement):
            return super()._compile(query)
        compiled, statement, params = self._statements.compile(query)
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        args = [
            processors[name](params[name]) if name in processors else params[name]
            for name in statement.names
        ]
        return statement.sql, args, compiled._result_columns

    async def rows(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Any]:
        connection = asyncpg_connection(self)
        assert connection is not None, "Connection is not acquired"
        return list(await connection.fetch(prepared.sql, *prepared.args(values)))

    async def changed(self, prepared: Prepared, values: Mapping[str, Any]) -> int:
        connection = asyncpg_connection(self)
        assert connection is not None, "Connection is not acquired"
        return _rowcount(await connection.execute(prepared.sql, *prepared.args(values)))

    def transaction(self) -> TransactionBackend:
        return PostgresTransaction(self)


class PostgresTransaction(stock.PostgresTransaction):
    def __init__(self, connection: PostgresConnection) -> None:
        super().__init__(connection)
        self._on = connection

    async def start(self, is_root: bool, extra_options: dict[Any, Any]) -> None:
        options = {key: value for key, value in extra_options.items() if key != "lock_timeout"}
        await super().start(is_root, options)
        timeout_ms = lock_timeout_ms(extra_options)
        if timeout_ms is not None:
            await self._on.raw_connection.execute(f"SET LOCAL lock_timeout = {timeout_ms}")

"""Transactions that give their connection back on every path.

`databases` acquires the connection before BEGIN and releases it only after a COMMIT
or ROLLBACK that succeeded: a BEGIN, COMMIT or ROLLBACK that raises (a busy SQLite
file, a deferred constraint, a lost server connection, a cancelled task) keeps the
connection forever, and on SQLite that is the one connection every query waits for.
Here a failed step rolls back whatever is still open, then releases the connection,
then lets the error through.

Both backends take one extra transaction option, `lock_timeout` (seconds): the longest
the transaction waits for a lock another process holds; past it, the waiting step
raises an error that `lock_wait_expired` recognises.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from databases.core import Connection, Transaction
from databases.interfaces import TransactionBackend

from todo_async.database.databases_internals import (
    backend_transaction,
    connection_backend,
    set_backend_transaction,
    transaction_connection,
    transaction_lock,
    transaction_options,
    transaction_stack,
)

# SQLSTATE lock_not_available: a wait that PostgreSQL's lock_timeout ended.
LOCK_NOT_AVAILABLE = "55P03"


def milliseconds(seconds: float) -> int:
    """A bound in whole milliseconds, at least 1: to PostgreSQL a timeout of 0 is none."""
    return max(1, round(seconds * 1000))


def lock_timeout_ms(options: Mapping[str, Any]) -> int | None:
    """The `lock_timeout` option in milliseconds."""
    seconds = options.get("lock_timeout")
    return None if seconds is None else milliseconds(seconds)


def lock_wait_expired(error: BaseException) -> bool:
    """Whether `error` is a lock wait that gave up: SQLite's busy timeout or PostgreSQL's."""
    if isinstance(error, sqlite3.OperationalError):
        return error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
    return getattr(error, "sqlstate", None) == LOCK_NOT_AVAILABLE


class TodoConnection(Connection):
    def transaction(self, *, force_rollback: bool = False, **kwargs: Any) -> TodoTransaction:
        return TodoTransaction(lambda: self, force_rollback, **kwargs)


class TodoTransaction(Transaction):
    async def start(self) -> TodoTransaction:
        connection = transaction_connection(self)
        backend = connection_backend(connection).transaction()
        set_backend_transaction(self, backend)
        async with transaction_lock(connection):
            stack = transaction_stack(connection)
            is_root = not stack
            await connection.__aenter__()
            try:
                await backend.start(is_root=is_root, extra_options=transaction_options(self))
            except BaseException:
                # A cancelled BEGIN may still run to completion: roll back whatever it opened.
                await self._abandon(connection, backend)
                raise
            stack.append(self)
        return self

    async def commit(self) -> None:
        await self._end(lambda backend: backend.commit())

    async def rollback(self) -> None:
        await self._end(lambda backend: backend.rollback())

    async def _end(self, finish: Callable[[TransactionBackend], Awaitable[None]]) -> None:
        connection = transaction_connection(self)
        async with transaction_lock(connection):
            stack = transaction_stack(connection)
            assert stack[-1] is self
            stack.pop()
            backend = backend_transaction(self)
            assert backend is not None
            try:
                await finish(backend)
            except BaseException:
                # A failed COMMIT can leave the transaction open (SQLite does): the
                # next holder of the connection must not find itself inside it.
                await self._abandon(connection, backend)
                raise
            set_backend_transaction(self, None)
            await connection.__aexit__()

    async def _abandon(self, connection: Connection, backend: TransactionBackend) -> None:
        set_backend_transaction(self, None)
        try:
            # The first error is the one worth reporting; this one would only hide it.
            with contextlib.suppress(Exception):
                await backend.rollback()
        finally:
            await connection.__aexit__()

"""The one place that reads or sets `databases`' private state (pinned: databases==0.9.0).

`databases` has no public way to do what the storage layer needs here:
- run a statement on the connection the current task holds (a transaction's, or the one
  `force_rollback` shares), and straight on the backend when it holds none: past the
  per-task connection machinery every `databases` query goes through, which cost more
  than the query (`TodoDatabase.rows`, `.changed`);
- give a task a connection of the project's class (`TodoDatabase.connection`);
- a transaction that gives its connection back on every path (`TodoTransaction`): it
  needs what `databases.core.Transaction` keeps to itself (its connection, its backend
  transaction, its options) and the connection's transaction lock and stack;
- the PostgreSQL backend's asyncpg pool and dialect, and a connection's asyncpg
  connection, to run prepared statements on them and to acquire within a bound
  (`todo_async.database.postgres`, whose connection also overrides the stock one's
  `_compile`, its one step that compiles).

Nothing else reaches into `databases`. Its next version may rename or change any of
these: `tests/database/test_databases_internals.py` checks each one's behaviour against
the installed version, and fails before the service does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from databases import Database
from databases.backends import postgres
from databases.core import Connection, Transaction
from databases.interfaces import ConnectionBackend, DatabaseBackend, TransactionBackend
from sqlalchemy.engine.interfaces import Dialect


def backend(database: Database) -> DatabaseBackend:
    chosen: DatabaseBackend = database._backend
    return chosen


def held_connection(database: Database) -> Connection | None:
    """The connection the current task holds: the shared one under `force_rollback`, else
    the task's own while it has one (inside a transaction); None outside any."""
    held: Connection | None = database._global_connection or database._connection
    return held


def hold_connection(database: Database, connection: Connection) -> None:
    """Make `connection` the current task's, as `Database.connection()` does with its own."""
    database._connection = connection


def connection_backend(connection: Connection) -> ConnectionBackend:
    return connection._connection


def transaction_lock(connection: Connection) -> asyncio.Lock:
    lock: asyncio.Lock = connection._transaction_lock
    return lock


def transaction_stack(connection: Connection) -> list[Transaction]:
    """The connection's open transactions, the root first."""
    stack: list[Transaction] = connection._transaction_stack
    return stack


def transaction_connection(transaction: Transaction) -> Connection:
    return transaction._connection


def backend_transaction(transaction: Transaction) -> TransactionBackend | None:
    """The backend transaction `transaction` has open in the current task, if any."""
    return transaction._transaction


def set_backend_transaction(
    transaction: Transaction, backend_transaction: TransactionBackend | None
) -> None:
    transaction._transaction = backend_transaction


def transaction_options(transaction: Transaction) -> dict[str, Any]:
    """The keyword options given to `transaction()` beyond `force_rollback`."""
    options: dict[str, Any] = transaction._extra_options
    return options


def asyncpg_pool(backend: postgres.PostgresBackend) -> Any:
    """The backend's `asyncpg.Pool` once connected, None before."""
    return backend._pool


def dialect(backend: postgres.PostgresBackend) -> Dialect:
    return backend._dialect


def asyncpg_connection(connection: postgres.PostgresConnection) -> Any:
    """The connection's `asyncpg.Connection` while acquired, None otherwise."""
    return connection._connection


def set_asyncpg_connection(connection: postgres.PostgresConnection, driver: Any) -> None:
    """Acquire as the stock connection does, with a connection from elsewhere: its queries
    and its release then use `driver`."""
    connection._connection = driver

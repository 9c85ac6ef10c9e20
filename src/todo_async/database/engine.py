"""The `databases.Database` for a URL: SQLite or PostgreSQL, through the project's backends."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, cast

from databases import Database
from databases.core import Connection
from sqlalchemy.sql import ClauseElement

from todo_async.database.databases_internals import (
    backend,
    connection_backend,
    held_connection,
    hold_connection,
)
from todo_async.database.incidents import Incidents
from todo_async.database.prepared import Prepared, PreparesStatements, RunsPrepared
from todo_async.database.transactions import TodoConnection, TodoTransaction, milliseconds
from todo_async.settings import Settings

# Statement shapes kept compiled; beyond this many (odd If-Match lists), start over.
MAX_SHAPES = 512


class TodoDatabase(Database):
    SUPPORTED_BACKENDS = {  # noqa: RUF012 (replaces the base class table)
        **Database.SUPPORTED_BACKENDS,
        "sqlite": "todo_async.database.sqlite:SQLiteBackend",
        "postgresql": "todo_async.database.postgres:PostgresBackend",
        "postgres": "todo_async.database.postgres:PostgresBackend",
    }

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self._statements = cast(PreparesStatements, backend(self))
        self._prepared: dict[Hashable, Prepared] = {}
        # Storage failures the requests met, and the answers that end them.
        self.incidents = Incidents()

    @property
    def dialect_name(self) -> str:
        return str(self.url.dialect)

    async def rows(
        self,
        shape: Hashable,
        build: Callable[[], ClauseElement],
        values: Mapping[str, Any],
        *,
        short: bool = True,
    ) -> list[Any]:
        """Run the statement `build` makes for `shape` (compiled on first use) with `values`.

        The result rows are the driver's own, read by position. Outside a transaction the
        statement goes straight to the backend; inside one, on the transaction's connection.
        An answer may end a storage incident (a write only outside a transaction: inside
        one, its COMMIT may still fail).
        `short=False` for a statement that may read much of the table (an aggregate): on
        SQLite it then never runs on the event loop.
        """
        prepared = self._prepare(shape, build)
        held = held_connection(self)
        if held is None:
            rows = await self._statements.rows(prepared, values, short=short)
        else:
            async with held:
                rows = await cast(RunsPrepared, connection_backend(held)).rows(prepared, values)
        if self.incidents.any_open:
            self.incidents.answered(wrote=prepared.writes and held is None)
        return rows

    async def changed(
        self, shape: Hashable, build: Callable[[], ClauseElement], values: Mapping[str, Any]
    ) -> int:
        """Run a write statement as `rows` does; how many rows it changed (none come back).

        On SQLite never on the event loop: it may change many rows (clear-completed).
        """
        prepared = self._prepare(shape, build)
        held = held_connection(self)
        if held is None:
            count = await self._statements.changed(prepared, values)
        else:
            async with held:
                count = await cast(RunsPrepared, connection_backend(held)).changed(prepared, values)
        if self.incidents.any_open:
            self.incidents.answered(wrote=held is None)
        return count

    def _prepare(self, shape: Hashable, build: Callable[[], ClauseElement]) -> Prepared:
        prepared = self._prepared.get(shape)
        if prepared is None:
            if len(self._prepared) >= MAX_SHAPES:
                self._prepared.clear()
            prepared = self._prepared[shape] = self._statements.prepare(build())
        return prepared

    def connection(self) -> Connection:
        # The base class makes a plain Connection for a task that has none; make ours.
        if held_connection(self) is None:
            hold_connection(self, TodoConnection(self, backend(self)))
        return super().connection()

    def transaction(self, *, force_rollback: bool = False, **kwargs: Any) -> TodoTransaction:
        return TodoTransaction(self.connection, force_rollback=force_rollback, **kwargs)


def open_migration_database(settings: Settings) -> TodoDatabase | None:
    """The owner's connection for migrations, when the service runs as a runtime role."""
    if settings.migration_database_url is None:
        return None
    options: dict[str, Any] = {"min_size": 1, "max_size": 1}
    if settings.migration_database_password is not None:
        options["password"] = settings.migration_database_password
    return TodoDatabase(settings.migration_database_url, **options)


def open_database(settings: Settings) -> TodoDatabase:
    """A not yet connected database for the configured URL."""
    url = settings.database_url
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        options["synchronous"] = settings.sqlite_synchronous
        options["busy_timeout"] = settings.database_lock_timeout
    else:
        # No floor to keep: asyncpg restores one in the background while the server is
        # down, logging a traceback at each try; statements reconnect as they need to.
        options["min_size"] = 0
        options["max_size"] = settings.database_pool_size
        options["pool_timeout"] = settings.database_pool_timeout
        options["server_settings"] = {
            "lock_timeout": str(milliseconds(settings.database_lock_timeout)),
            "statement_timeout": str(milliseconds(settings.database_statement_timeout)),
        }
        if settings.database_password is not None:
            options["password"] = settings.database_password
    return TodoDatabase(url, **options)

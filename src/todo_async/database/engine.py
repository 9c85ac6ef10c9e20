"""The `databases.Database` for a URL: SQLite or PostgreSQL, through the project's backends."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, cast

from databases import Database
from databases.core import Connection
from sqlalchemy.sql import ClauseElement

from todo_async.database.prepared import Prepared, PreparesStatements, RunsPrepared
from todo_async.database.transactions import TodoConnection, TodoTransaction
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
        self._statements = cast(PreparesStatements, self._backend)
        self._prepared: dict[Hashable, Prepared] = {}

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
        `short=False` for a statement that may read much of the table (an aggregate): on
        SQLite it then never runs on the event loop.
        """
        prepared = self._prepare(shape, build)
        held = self._global_connection or self._connection
        if held is None:
            return await self._statements.rows(prepared, values, short=short)
        async with held:
            return await cast(RunsPrepared, held._connection).rows(prepared, values)

    async def changed(
        self, shape: Hashable, build: Callable[[], ClauseElement], values: Mapping[str, Any]
    ) -> int:
        """Run a write statement as `rows` does; how many rows it changed (none come back).

        On SQLite never on the event loop: it may change many rows (clear-completed).
        """
        prepared = self._prepare(shape, build)
        held = self._global_connection or self._connection
        if held is None:
            return await self._statements.changed(prepared, values)
        async with held:
            return await cast(RunsPrepared, held._connection).changed(prepared, values)

    def _prepare(self, shape: Hashable, build: Callable[[], ClauseElement]) -> Prepared:
        prepared = self._prepared.get(shape)
        if prepared is None:
            if len(self._prepared) >= MAX_SHAPES:
                self._prepared.clear()
            prepared = self._prepared[shape] = self._statements.prepare(build())
        return prepared

    def connection(self) -> Connection:
        # The base class makes a plain Connection for a task that has none; make ours.
        if self._global_connection is None and not self._connection:
            self._connection = TodoConnection(self, self._backend)
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
    else:
        options["min_size"] = 1
        options["max_size"] = settings.database_pool_size
        if settings.database_password is not None:
            options["password"] = settings.database_password
    return TodoDatabase(url, **options)

"""The `databases.Database` for a URL: SQLite or PostgreSQL, through the project's backends."""

from __future__ import annotations

from typing import Any

from databases import Database
from databases.core import Connection

from todo_async.database.transactions import TodoConnection, TodoTransaction
from todo_async.settings import Settings


class TodoDatabase(Database):
    SUPPORTED_BACKENDS = {  # noqa: RUF012 (replaces the base class table)
        **Database.SUPPORTED_BACKENDS,
        "sqlite": "todo_async.database.sqlite:SQLiteBackend",
        "postgresql": "todo_async.database.postgres:PostgresBackend",
        "postgres": "todo_async.database.postgres:PostgresBackend",
    }

    @property
    def dialect_name(self) -> str:
        return str(self.url.dialect)

    def connection(self) -> Connection:
        # The base class makes a plain Connection for a task that has none; make ours.
        if self._global_connection is None and not self._connection:
            self._connection = TodoConnection(self, self._backend)
        return super().connection()

    def transaction(self, *, force_rollback: bool = False, **kwargs: Any) -> TodoTransaction:
        return TodoTransaction(self.connection, force_rollback=force_rollback, **kwargs)


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

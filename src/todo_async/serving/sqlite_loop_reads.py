"""Short SQLite reads on a read-only connection of the event loop's own.

A short read (one that seeks an index: a todo, a page) takes tens of microseconds, less
than handing it to aiosqlite's thread and back; in WAL mode a reader does not wait for
writers. Should it have to wait all the same (another process holds the database
exclusively), SQLite answers SQLITE_BUSY at once (busy_timeout 0: never wait on the loop)
and the read goes to the thread. Writes never run here: measured on the loop, they were
slower, as each commit's writes to the log then hold up every other request.

Overrides: aiosqlite's one thread for every statement, for the SQLite backend's short
reads outside a transaction (`todo_async.database.sqlite.SQLiteBackend.rows`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from todo_async.database.prepared import Prepared
from todo_async.database.transactions import lock_wait_expired


class LoopReads:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    @classmethod
    def open(cls, path: str) -> LoopReads:
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            for pragma in ("PRAGMA query_only=ON", "PRAGMA busy_timeout=0"):
                connection.execute(pragma)
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    def rows(self, prepared: Prepared, args: Sequence[Any]) -> list[Any] | None:
        """A short read's rows, read right here; None if it must run on the thread (a write,
        or a read that would have to wait)."""
        if prepared.writes:
            return None
        try:
            return self._connection.execute(prepared.sql, args).fetchall()
        except sqlite3.OperationalError as error:
            if lock_wait_expired(error):
                return None
            raise

    def close(self) -> None:
        self._connection.close()

"""The failure table: which storage errors are the database failing (not a bug), and the
answer each gets, on both databases. Every answer is problem+json with Retry-After.

- unavailable, 503: PostgreSQL cannot be reached or went away: OSError (refused, reset,
  unreachable, name not resolved), SQLSTATE class 08 (connection exception), 57P01
  admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, class 53 (insufficient
  resources, too many connections) but disk_full, class 58 (system error), asyncpg's
  InternalClientError (a connection the server closed under a statement); SQLite:
  SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_NOMEM, SQLITE_PROTOCOL.
- read-only, 503: 25006 read_only_sql_transaction (a standby); SQLITE_READONLY.
- disk full, 507: 53100 disk_full; SQLITE_FULL.
- lock timeout, 503: 55P03 lock_not_available (past `lock_timeout`); SQLITE_BUSY and
  SQLITE_LOCKED (past the busy timeout).
- statement timeout, 503: 57014 query_canceled (past `statement_timeout`).
- pool wait, 503: no pooled connection free within the bound (PoolWaitExpired).
- timeout, 503: TimeoutError, a bound of the service's own (a readiness ping).

A failed statement or transaction has rolled back: nothing of the request was stored,
and nothing is acknowledged. Anything else (SQLITE_CORRUPT, a constraint, a syntax
error) is no outage: it stays a 500 with its traceback.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import asyncpg


class PoolWaitExpired(Exception):
    """No pooled database connection came free within the configured bound."""


@dataclass(frozen=True)
class StorageFailure:
    kind: str
    status: int
    # What a client is told, after "The database".
    detail: str
    # Whether only a write that succeeds shows it over (reads work during it).
    ends_with_a_write: bool = False


UNAVAILABLE = StorageFailure("unavailable", 503, "cannot be reached right now")
READ_ONLY = StorageFailure("read-only", 503, "accepts no writes right now", True)
DISK_FULL = StorageFailure("disk full", 507, "has no room to store this change", True)
LOCK_TIMEOUT = StorageFailure("lock timeout", 503, "is busy: a lock wait ran out", True)
STATEMENT_TIMEOUT = StorageFailure("statement timeout", 503, "is busy: a statement ran too long")
POOL_WAIT = StorageFailure("pool wait", 503, "is busy: no connection came free in time")
TIMEOUT = StorageFailure("timeout", 503, "did not answer in time")

_BY_SQLSTATE = {
    "57P01": UNAVAILABLE,
    "57P02": UNAVAILABLE,
    "57P03": UNAVAILABLE,
    "25006": READ_ONLY,
    "53100": DISK_FULL,
    "55P03": LOCK_TIMEOUT,
    "57014": STATEMENT_TIMEOUT,
}
_BY_SQLSTATE_CLASS = {"08": UNAVAILABLE, "53": UNAVAILABLE, "58": UNAVAILABLE}

_BY_SQLITE_CODE = {
    sqlite3.SQLITE_FULL: DISK_FULL,
    sqlite3.SQLITE_BUSY: LOCK_TIMEOUT,
    sqlite3.SQLITE_LOCKED: LOCK_TIMEOUT,
    sqlite3.SQLITE_READONLY: READ_ONLY,
    sqlite3.SQLITE_IOERR: UNAVAILABLE,
    sqlite3.SQLITE_CANTOPEN: UNAVAILABLE,
    sqlite3.SQLITE_NOMEM: UNAVAILABLE,
    sqlite3.SQLITE_PROTOCOL: UNAVAILABLE,
}


def storage_failure(error: BaseException) -> StorageFailure | None:
    """The failure `error` is, or None: not the database failing, a bug to report as one."""
    if isinstance(error, PoolWaitExpired):
        return POOL_WAIT
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return None if code is None else _BY_SQLITE_CODE.get(code & 0xFF)
    # A server's message on a connection it is closing that asyncpg reads as a protocol
    # state it cannot be in (seen as PostgreSQL shuts down): that connection is gone.
    if isinstance(error, asyncpg.InternalClientError):
        return UNAVAILABLE
    if isinstance(error, asyncpg.PostgresError):
        sqlstate = str(getattr(error, "sqlstate", ""))
        return _BY_SQLSTATE.get(sqlstate) or _BY_SQLSTATE_CLASS.get(sqlstate[:2])
    # TimeoutError is an OSError: a bound of the service's own ran out, not the network.
    if isinstance(error, TimeoutError):
        return TIMEOUT
    # The service's only connection to anything is the one to PostgreSQL.
    if isinstance(error, OSError):
        return UNAVAILABLE
    return None


def cause(error: BaseException) -> str:
    """The error in one line: its class, SQLSTATE or SQLite code name, and message."""
    code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None)
    name = type(error).__name__ + (f" {code}" if code else "")
    message = " ".join(str(error).split())
    return f"{name}: {message}" if message else name

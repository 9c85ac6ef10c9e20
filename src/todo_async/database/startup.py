"""Connect and migrate at start-up, waiting a bounded time for another process's lock.

Another process may hold the lock migrations take: a worker migrating beside this one,
or any writer to the SQLite file (switching a new file to WAL fails at once then, too).
Start-up tries again and again, and says in the log that it waits; past the whole
bound, it fails with one line naming the lock.
"""

from __future__ import annotations

import asyncio
import logging
import time

from todo_async.database.engine import TodoDatabase
from todo_async.database.migrations import migrate, migration_lock
from todo_async.database.roles import grant_runtime_role
from todo_async.database.transactions import lock_wait_expired

logger = logging.getLogger(__name__)

# One attempt's wait for the lock. SQLite waits inside its own thread, where nothing
# can cut the wait short: kept short, so that a stop signal is answered at once.
ATTEMPT_WAIT = 0.2
# Between attempts: asleep on the event loop, where a stop signal ends it at once.
RETRY_PAUSE = 0.3
# How often the log says that start-up still waits.
REPORT_EVERY = 5.0


class LockWaitExpired(RuntimeError):
    """Another process held the migration lock for longer than the start-up bound."""


async def connect_and_migrate(database: TodoDatabase, lock_timeout: float) -> list[int]:
    """Connect and apply pending migrations; returns the versions applied now.

    Raises LockWaitExpired once the lock has been held elsewhere for `lock_timeout` s.
    """
    lock = migration_lock(database)
    deadline = time.monotonic() + lock_timeout
    next_report = 0.0
    while True:
        try:
            if not database.is_connected:
                await database.connect()
            wait = min(ATTEMPT_WAIT, max(deadline - time.monotonic(), 0.0))
            return await migrate(database, lock_timeout=wait)
        except Exception as error:
            if not lock_wait_expired(error):
                raise
            now = time.monotonic()
            if now >= deadline:
                message = f"gave up after {lock_timeout:g} s waiting for {lock}"
                logger.error("start-up failed: %s, held by another process", message)
                raise LockWaitExpired(message) from error
            if now >= next_report:
                left = deadline - now
                logger.warning("waiting for %s, held by another process (%.0f s left)", lock, left)
                next_report = now + REPORT_EVERY
            await asyncio.sleep(min(RETRY_PAUSE, deadline - now))


async def migrate_as_owner(
    owner: TodoDatabase, runtime: TodoDatabase, password: str | None, lock_timeout: float
) -> list[int]:
    """Migrate as `owner`, keep `runtime`'s role to reading and writing, then connect
    `runtime` (the service's): the owner's connection is closed before serving."""
    try:
        applied = await connect_and_migrate(owner, lock_timeout)
        await grant_runtime_role(owner, runtime.url.username, password or runtime.url.password)
    finally:
        await owner.disconnect()
    await runtime.connect()
    return applied

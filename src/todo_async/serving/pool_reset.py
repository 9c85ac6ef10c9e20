"""PostgreSQL connections handed back to the asyncpg pool without a reset.

asyncpg's pool resets every connection it gets back (`SELECT pg_advisory_unlock_all();
CLOSE ALL; UNLISTEN *; RESET ALL;`): a second round trip to the server for every
statement run outside a transaction. The service leaves no session state behind: its
lock and its setting belong to the transaction (`pg_advisory_xact_lock`, `SET LOCAL`),
it opens no cursor outside one and listens to nothing. So the pool only does what it
always does (it rolls back a transaction left open) and sends no reset.

Overrides: asyncpg's `Pool(reset=...)` default, through the option `databases` passes on
to `asyncpg.create_pool` (`todo_async.database.postgres.PostgresBackend`).
"""

from __future__ import annotations

from typing import Any


async def _nothing_to_reset(connection: Any) -> None:
    """What the pool runs on a connection it gets back, after its own rollback: nothing."""


POOL_WITHOUT_RESET: dict[str, Any] = {"reset": _nothing_to_reset}

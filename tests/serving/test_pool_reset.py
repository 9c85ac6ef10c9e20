"""The PostgreSQL backend: a connection goes back to the pool without a reset round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from todo_async.database.engine import open_database
from todo_async.settings import Settings


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_released_connection_is_not_reset(database_url: str) -> None:
    # A pool of one: every statement runs on the same connection.
    database = open_database(Settings(database_url=database_url, database_pool_size=1))
    async with database:
        await database.rows(
            ("set",), lambda: text("SELECT set_config('application_name', 'kept', false)"), {}
        )
        [(name,)] = await database.rows(
            ("show",), lambda: text("SELECT current_setting('application_name')"), {}
        )
    # The pool's default reset (RESET ALL among it) would have put the setting back.
    assert name == "kept"

"""What the account tests share: a migrated database of either kind (`database_url`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.migrations import migrate
from todo_async.settings import Settings


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[TodoDatabase]:
    db = open_database(Settings(database_url=database_url))
    async with db:
        await migrate(db)
        yield db

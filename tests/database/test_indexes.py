"""The list query seeks an index on both databases: page 1000 costs what page 1 costs."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.migrations import migrate
from todo_async.pagination import Cursor
from todo_async.repository import page_query
from todo_async.settings import Settings

FILTERS = [
    {"completed": None, "category": None},
    {"completed": True, "category": None},
    {"completed": None, "category": "work"},
]
DEEP = Cursor(sort_key=2**62, id=19_000)


async def plan(database: TodoDatabase, filters: dict[str, object]) -> str:
    query = page_query(**filters, limit=21, after=DEEP)  # type: ignore[arg-type]
    backend = database._backend._dialect
    sql = str(query.compile(dialect=backend, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if database.dialect_name == "sqlite" else "EXPLAIN "
    rows = await database.fetch_all(text(prefix + sql))
    return "\n".join(str(row[len(row) - 1]) for row in rows)


async def fill(database: TodoDatabase, count: int) -> None:
    # Raw SQL through `databases` must avoid "%" (its SQLite backend formats with it): "&" instead.
    series = (
        f"generate_series(1, {count}) AS n"
        if database.dialect_name == "postgresql"
        else f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
        "SELECT n FROM s)"
    )
    columns = 'title, category, completed, "order", created_at, updated_at, version'
    await database.execute(
        text(
            f"INSERT INTO todos ({columns}) "
            "SELECT 'todo ' || n, CASE WHEN (n & 3) = 0 THEN 'work' END, (n & 1) = 0, NULL, "
            f"CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM {series}"
        )
    )
    await database.execute(text("ANALYZE"))


@pytest.mark.parametrize("filters", FILTERS)
async def test_deep_page_uses_an_index_and_no_sort(
    database_url: str, filters: dict[str, object]
) -> None:
    database = open_database(Settings(database_url=database_url))
    async with database:
        await migrate(database)
        await fill(database, 20_000)
        explained = await plan(database, filters)

    if database.dialect_name == "sqlite":
        assert "USING INDEX ix_todos_" in explained, explained
        assert "TEMP B-TREE" not in explained, explained
    else:
        assert "Index Scan using ix_todos_" in explained, explained
        assert "Sort" not in explained, explained

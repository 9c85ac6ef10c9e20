"""Every list query seeks its index straight to the cursor in its owner's todos, on both
databases.

The plans are read from the databases themselves. SQLite must SEARCH the filter's index
with every key column constrained (the cursor split in two ranges), PostgreSQL must scan
the filter's index with the cursor in its index condition; neither may sort.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, text

from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.migrations import migrate
from todo_async.database.tables import UNORDERED
from todo_async.pagination import NO_DUE, Cursor
from todo_async.repository import (
    SQLITE_DELETE_BATCH,
    DueRange,
    delete_many_query,
    page_query,
)
from todo_async.settings import Settings

ROWS = 20_000
# Todos belong to two owners in runs of 8; the queries read the first one's.
OWNER = 1
# (filters, the index that serves them, its equality columns before (position, id))
FILTERS = [
    ({"completed": None, "category": None}, "ix_todos_owner_position", "owner_id=? AND "),
    (
        {"completed": True, "category": None},
        "ix_todos_owner_completed_position",
        "owner_id=? AND completed=? AND ",
    ),
    (
        {"completed": None, "category": "work"},
        "ix_todos_owner_category_position",
        "owner_id=? AND category=? AND ",
    ),
    (
        {"completed": None, "category": ""},
        "ix_todos_owner_category_position",
        "owner_id=? AND category=? AND ",
    ),
    (
        {"completed": False, "category": "work"},
        "ix_todos_owner_category_completed_position",
        "owner_id=? AND category=? AND completed=? AND ",
    ),
]
# Deep among the todos without an `order` (all share one position), and among ordered ones.
CURSORS = [Cursor(sort_key=UNORDERED, id=18_000), Cursor(sort_key=5, id=20)]


async def plan(database: TodoDatabase, query_sql: str) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if database.dialect_name == "sqlite" else "EXPLAIN "
    rows = await database.fetch_all(text(prefix + query_sql))
    return [str(row[len(row) - 1]) for row in rows]


def compiled(database: TodoDatabase, filters: dict[str, object], cursor: Cursor | None) -> str:
    query = page_query(owner=OWNER, **filters, limit=21, after=cursor)  # type: ignore[arg-type]
    dialect = database._backend._dialect
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


async def fill(database: TodoDatabase, count: int) -> None:
    """`count` todos without an order, statistics taken, then the first 40 given one.

    Statistics from a table where every todo shares a position are the ones that lead a
    planner astray once some todos get an `order`.
    """
    # Raw SQL through `databases` must avoid "%" (its SQLite backend formats with it): "&" instead.
    series = (
        f"generate_series(1, {count}) AS n"
        if database.dialect_name == "postgresql"
        else f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
        "SELECT n FROM s)"
    )
    columns = 'title, category, completed, "order", created_at, updated_at, version, owner_id'
    await database.execute(
        text(
            f"INSERT INTO todos ({columns}) "
            "SELECT 'todo ' || n, CASE WHEN (n & 3) = 0 THEN 'work' END, (n & 1) = 0, NULL, "
            f"CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1 + ((n >> 3) & 1) FROM {series}"
        )
    )
    await database.execute(text("ANALYZE"))
    await database.execute(text('UPDATE todos SET "order" = 5 WHERE id <= 40'))


@pytest.fixture
async def database(database_url: str) -> TodoDatabase:
    db = open_database(Settings(database_url=database_url))
    async with db:
        await migrate(db)
        await fill(db, ROWS)
    return db


@pytest.mark.parametrize(("filters", "index", "equalities"), FILTERS)
@pytest.mark.parametrize("cursor", [None, *CURSORS], ids=["page-1", "unordered", "ordered"])
async def test_every_list_query_seeks_to_its_cursor(
    database: TodoDatabase,
    filters: dict[str, object],
    index: str,
    equalities: str,
    cursor: Cursor | None,
) -> None:
    async with database:
        explained = await plan(database, compiled(database, filters, cursor))

    if database.dialect_name == "sqlite":
        if cursor is None:
            # Page 1 reads the index from the start of its filter's range.
            expected = [f"SEARCH todos USING INDEX {index} ({equalities.removesuffix(' AND ')})"]
        else:
            expected = [f"SEARCH todos USING INDEX {index} ({equalities}position=? AND id>?)"]
            if cursor.sort_key < UNORDERED:
                expected.append(f"SEARCH todos USING INDEX {index} ({equalities}position>?)")
        assert [line for line in explained if "todos" in line] == expected, explained
        assert not any("TEMP B-TREE" in line for line in explained), explained
    else:
        # Every read of a table (a union's branches each read theirs from a subquery).
        scans = [
            line.strip() for line in explained if "Scan" in line and "Subquery Scan" not in line
        ]
        # Literals as bare numbers: '5'::bigint reads 5.
        conditions = [
            line.replace("'", "").replace("::bigint", "")
            for line in explained
            if "Index Cond" in line
        ]
        assert all(f"(owner_id = {OWNER})" in condition for condition in conditions), explained
        if cursor is None or cursor.sort_key == UNORDERED:
            assert len(scans) == 1, explained
            assert scans[0].startswith(f"->  Index Scan using {index} on todos"), explained
            assert not any("Sort" in line for line in explained), explained
        else:
            # The todos at an ordered cursor's own position (a few share one `order`) may
            # be read from the owner's unfiltered index and sorted: the closed range on
            # position bounds that read to them. The positions after it seek the filter's.
            assert len(scans) == 2, explained
            assert scans[0].startswith("->  Index Scan using ix_todos_owner_"), explained
            assert scans[1].startswith(f"->  Index Scan using {index} on todos"), explained
            second = next(n for n, line in enumerate(explained) if line.strip() == scans[1])
            assert not any("Sort" in line for line in explained[second - 2 :]), explained
        if cursor is not None:
            assert f'("position" >= {cursor.sort_key})' in conditions[0], explained
            assert f'("position" <= {cursor.sort_key})' in conditions[0], explained
            assert f"(id > {cursor.id})" in conditions[0], explained
            if cursor.sort_key < UNORDERED:
                assert f'("position" > {cursor.sort_key})' in conditions[1], explained


@pytest.mark.parametrize(("filters", "index", "equalities"), FILTERS)
async def test_clear_batches_read_the_filters_index(
    database: TodoDatabase, filters: dict[str, object], index: str, equalities: str
) -> None:
    if database.dialect_name != "sqlite":
        pytest.skip("reads SQLite's query plan; PostgreSQL's batches are not planned here")
    query = delete_many_query(  # type: ignore[arg-type]
        owner=OWNER, **filters, max_id=ROWS, batch=SQLITE_DELETE_BATCH
    )
    sql = str(
        query.compile(dialect=database._backend._dialect, compile_kwargs={"literal_binds": True})
    )
    async with database:
        explained = await plan(database, sql)

    assert [line for line in explained if "todos" in line] == [
        "SEARCH todos USING INTEGER PRIMARY KEY (rowid=?)",
        f"SEARCH todos USING INDEX {index} ({equalities.removesuffix(' AND ')})",
    ], explained
    assert not any("TEMP B-TREE" in line for line in explained), explained


DUE = dt.date(2026, 3, 29)
# (query, the due index that serves it): the views of one due value, and due-date order.
DUE_QUERIES = [
    ({"due": DueRange(on=DUE)}, "ix_todos_owner_due_position"),
    ({"due": DueRange(none=True)}, "ix_todos_owner_due_position"),
    ({"sort": "due"}, "ix_todos_owner_due_position"),
    ({"sort": "due", "completed": False}, "ix_todos_owner_completed_due_position"),
]
DUE_CURSORS = [
    Cursor(UNORDERED, 18_000, DUE.toordinal()),
    Cursor(UNORDERED, 18_001, NO_DUE),
    Cursor(UNORDERED, 18_000),
]


@pytest.mark.parametrize(("query", "index"), DUE_QUERIES)
@pytest.mark.parametrize("cursor", [None, *DUE_CURSORS], ids=["page-1", "dated", "undated", "list"])
async def test_due_views_and_due_order_read_the_due_index_without_sorting(
    database: TodoDatabase, query: dict[str, Any], index: str, cursor: Cursor | None
) -> None:
    if "sort" not in query and cursor is not None and cursor.due_day is not None:
        pytest.skip("a due-order cursor belongs to sort=due")
    filters = {"completed": None, "category": None, **query}
    async with database:
        await database.execute(
            text("UPDATE todos SET due = :due WHERE (id & 3) = 1").bindparams(
                bindparam("due", DUE, type_=Date())
            )
        )
        await database.execute(text("ANALYZE"))
        sql = str(
            page_query(owner=OWNER, limit=21, after=cursor, **filters).compile(
                dialect=database._backend._dialect, compile_kwargs={"literal_binds": True}
            )
        )
        explained = await plan(database, sql)

    if database.dialect_name == "sqlite":
        reads = [line for line in explained if "todos" in line]
        assert reads, explained
        assert all(line.startswith(f"SEARCH todos USING INDEX {index} (") for line in reads), (
            explained
        )
        assert not any("TEMP B-TREE" in line for line in explained), explained
    else:
        scans = [line.strip() for line in explained if "Scan" in line and "Subquery" not in line]
        assert all(
            scan.startswith(f"->  Index Scan using {index}")
            or scan.startswith(f"Index Scan using {index}")
            for scan in scans
        ), explained
        assert not any("Sort" in line for line in explained), explained

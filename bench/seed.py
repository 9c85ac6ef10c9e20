"""Fill the todos table with many rows in one statement: 1M rows in seconds.

    python -m bench.seed --database-url sqlite:///todo.db --rows 1000000

Row n (from 1): title "todo n", category "c" + (n mod 10), completed when n mod 3 is 0,
no `order` (the common case: every todo in creation order). The schema is migrated
first; existing rows stay.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

from sqlalchemy import Date, DateTime, TextClause, bindparam, text

from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.migrations import migrate
from todo_async.settings import Settings

CATEGORIES = 10
# Every COMPLETED_EVERY-th todo is completed.
COMPLETED_EVERY = 3


def _series(dialect: str, rows: int) -> str:
    if dialect == "postgresql":
        return f"generate_series(1, {rows}) AS s(n)"
    return (
        f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) "
        "SELECT n FROM s)"
    )


def _mod(value: str, divisor: int) -> str:
    # Not "%": the `databases` SQLite path formats statements with it.
    return f"({value} - ({value} / {divisor}) * {divisor})"


async def _without_statement_timeout(database: TodoDatabase, statement: TextClause) -> None:
    # A million rows take longer than a request's statement may (PostgreSQL's timeout).
    async with database.transaction():
        if database.dialect_name == "postgresql":
            await database.execute(text("SET LOCAL statement_timeout = 0"))
        await database.execute(statement)


async def insert_rows(database: TodoDatabase, rows: int) -> None:
    """Insert `rows` todos with one INSERT ... SELECT over a generated series."""
    if rows < 1:
        return
    columns = 'title, category, completed, "order", created_at, updated_at, version'
    statement = text(
        f"INSERT INTO todos ({columns}) "
        f"SELECT 'todo ' || n, 'c' || {_mod('n', CATEGORIES)}, {_mod('n', COMPLETED_EVERY)} = 0, "
        f"NULL, :now, :now, 1 FROM {_series(database.dialect_name, rows)}"
    ).bindparams(bindparam("now", dt.datetime.now(dt.UTC), type_=DateTime(timezone=True)))
    await _without_statement_timeout(database, statement)
    # Planner statistics as a long-running database would have them.
    await database.execute(text("ANALYZE"))


async def set_due_dates(database: TodoDatabase, today: dt.date) -> None:
    """Todo n gets no due date when n mod 4 is 0, else today + (n mod 7) - 3 days."""
    offset = f"({_mod('id', 7)} - 3)"
    due = (
        f"CAST(:today AS date) + CAST({offset} AS integer)"
        if database.dialect_name == "postgresql"
        else f"date(:today, {offset} || ' days')"
    )
    statement = text(
        f"UPDATE todos SET due = CASE WHEN {_mod('id', 4)} = 0 THEN NULL ELSE {due} END"
    ).bindparams(bindparam("today", today, type_=Date()))
    await _without_statement_timeout(database, statement)
    await database.execute(text("ANALYZE"))


async def seed(database_url: str, rows: int) -> float:
    """Migrate, insert `rows` todos; returns the seconds the insert took."""
    database = open_database(Settings(database_url=database_url))
    async with database:
        await migrate(database)
        started = time.perf_counter()
        await insert_rows(database, rows)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, required=True)
    args = parser.parse_args()
    seconds = asyncio.run(seed(args.database_url, args.rows))
    print(f"inserted {args.rows} todos in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

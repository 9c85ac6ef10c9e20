"""Every query on todos, in SQLAlchemy Core with bound parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    insert,
    select,
    true,
    tuple_,
    update,
)

from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import sort_key, todos
from todo_async.pagination import Cursor

# A result row, read by column name: the driver's own row, cheaper than a wrapped Record.
Row = Mapping[str, Any]

# Ids beyond a signed 64-bit integer cannot exist; asking for one is a plain miss.
MAX_ID = 2**63 - 1


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _filter(completed: bool | None, category: str | None) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if completed is not None:
        clauses.append(todos.c.completed.is_(completed))
    if category is not None:
        clauses.append(todos.c.category == category if category else todos.c.category.is_(None))
    return and_(true(), *clauses)


def page_query(
    *, completed: bool | None, category: str | None, limit: int, after: Cursor | None
) -> Select[Any]:
    """Todos in list order from just after `after`: an index range scan, whatever the page."""
    query = (
        select(todos, sort_key.label("sort_key"))
        .where(_filter(completed, category))
        .order_by(sort_key, todos.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(sort_key, todos.c.id) > tuple_(after.sort_key, after.id))
    return query


class TodoRepository:
    def __init__(self, database: TodoDatabase) -> None:
        self._db = database

    async def create(self, fields: Mapping[str, Any]) -> Row:
        now = _now()
        query = (
            insert(todos)
            .values(**fields, created_at=now, updated_at=now, version=1)
            .returning(*todos.c)
        )
        row = await self._db.fetch_one(query)
        assert row is not None
        return row._mapping

    async def get(self, todo_id: int) -> Row | None:
        if todo_id > MAX_ID:
            return None
        row = await self._db.fetch_one(select(todos).where(todos.c.id == todo_id))
        return None if row is None else row._mapping

    async def page(
        self,
        *,
        completed: bool | None,
        category: str | None,
        limit: int,
        after: Cursor | None,
    ) -> tuple[list[Row], Cursor | None]:
        """One page in list order, and the cursor of the next page if there is one."""
        # One more than asked tells whether another page follows.
        query = page_query(completed=completed, category=category, limit=limit + 1, after=after)
        rows = [row._mapping for row in await self._db.fetch_all(query)]
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], Cursor(last["sort_key"], last["id"])

    async def update(
        self, todo_id: int, changes: Mapping[str, Any], versions: frozenset[int] | None
    ) -> Row | None:
        """Apply changes if the todo exists and its version is one of `versions` (any if None).

        The version check and the write are one statement, so of two writers holding
        the same version exactly one succeeds.
        """
        if todo_id > MAX_ID:
            return None
        condition = todos.c.id == todo_id
        if versions is not None:
            condition = condition & todos.c.version.in_(versions)
        query = (
            update(todos)
            .where(condition)
            .values(**changes, updated_at=_now(), version=todos.c.version + 1)
            .returning(*todos.c)
        )
        row = await self._db.fetch_one(query)
        return None if row is None else row._mapping

    async def delete(self, todo_id: int, versions: frozenset[int] | None) -> bool:
        if todo_id > MAX_ID:
            return False
        condition = todos.c.id == todo_id
        if versions is not None:
            condition = condition & todos.c.version.in_(versions)
        query = delete(todos).where(condition).returning(todos.c.id)
        return await self._db.fetch_one(query) is not None

    async def delete_many(self, *, completed: bool | None, category: str | None) -> int:
        """Delete every matching todo in one statement; returns how many went."""
        query = delete(todos).where(_filter(completed, category)).returning(todos.c.id)
        return len(await self._db.fetch_all(query))

    async def categories(self) -> list[Row]:
        query = (
            select(
                todos.c.category,
                func.count().filter(todos.c.completed.is_(False)).label("open"),
                func.count().filter(todos.c.completed.is_(True)).label("completed"),
            )
            .group_by(todos.c.category)
            .order_by(todos.c.category.is_(None), todos.c.category)
        )
        return [row._mapping for row in await self._db.fetch_all(query)]

    async def ping(self) -> None:
        await self._db.fetch_val(select(1))

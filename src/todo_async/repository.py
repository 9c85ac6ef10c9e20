"""Every query on todos, in SQLAlchemy Core with bound parameters, compiled once per shape.

A statement's shape (which filters, which fields change, how many If-Match versions) picks
its compiled form; each request only binds values. Rows come back as the driver's tuples,
read by position (the `COLUMNS` order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    false,
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

COLUMNS = (
    todos.c.id,
    todos.c.title,
    todos.c.category,
    todos.c.completed,
    todos.c.order,
    todos.c.created_at,
    todos.c.updated_at,
    todos.c.version,
)
ID, TITLE, CATEGORY, COMPLETED, ORDER, CREATED_AT, UPDATED_AT, VERSION, SORT_KEY = range(9)

# A todo as the driver returns it, in `COLUMNS` order.
Row = Sequence[Any]

# Ids beyond a signed 64-bit integer cannot exist; asking for one is a plain miss.
MAX_ID = 2**63 - 1


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _param(name: str, value: Any, like: ColumnElement[Any]) -> BindParameter[Any]:
    return bindparam(name, value, type_=like.type)


def _filter(completed: bool | None, category: str | None) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if completed is not None:
        clauses.append(todos.c.completed == _param("completed", completed, todos.c.completed))
    if category is not None:
        clauses.append(
            todos.c.category == _param("category", category, todos.c.category)
            if category
            else todos.c.category.is_(None)
        )
    return and_(true(), *clauses)


def _filter_shape(completed: bool | None, category: str | None) -> tuple[bool, str]:
    kind = "any" if category is None else "value" if category else "none"
    return completed is not None, kind


def _versions(versions: frozenset[int] | None) -> tuple[ColumnElement[bool], dict[str, int]]:
    """`version IN (...)` over one bound parameter per accepted version."""
    if versions is None:
        return true(), {}
    if not versions:
        return false(), {}
    values = {f"accepted_{n}": version for n, version in enumerate(sorted(versions))}
    params = [_param(name, value, todos.c.version) for name, value in values.items()]
    return todos.c.version.in_(params), values


def page_query(
    *, completed: bool | None, category: str | None, limit: int, after: Cursor | None
) -> Select[Any]:
    """Todos in list order from just after `after`: an index range scan, whatever the page."""
    query = (
        select(*COLUMNS, sort_key.label("sort_key"))
        .where(_filter(completed, category))
        .order_by(sort_key, todos.c.id)
        .limit(bindparam("limit", limit, type_=todos.c.version.type))
    )
    if after is not None:
        start = (
            _param("after_sort_key", after.sort_key, todos.c.order),
            _param("after_id", after.id, todos.c.id),
        )
        query = query.where(tuple_(sort_key, todos.c.id) > tuple_(*start))
    return query


class TodoRepository:
    def __init__(self, database: TodoDatabase) -> None:
        self._db = database

    async def create(self, fields: Mapping[str, Any]) -> Row:
        names = tuple(fields)

        def build() -> Any:
            values = {name: _param(name, None, todos.c[name]) for name in names}
            now = _param("now", None, todos.c.created_at)
            return (
                insert(todos)
                .values(**values, created_at=now, updated_at=now, version=1)
                .returning(*COLUMNS)
            )

        rows = await self._db.rows(("create", names), build, {**fields, "now": _now()})
        return rows[0]  # type: ignore[no-any-return]

    async def get(self, todo_id: int) -> Row | None:
        if todo_id > MAX_ID:
            return None
        rows = await self._db.rows(
            ("get",),
            lambda: select(*COLUMNS).where(todos.c.id == _param("id", None, todos.c.id)),
            {"id": todo_id},
        )
        return rows[0] if rows else None

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
        values = {"completed": completed, "category": category, "limit": limit + 1}
        if after is not None:
            values |= {"after_sort_key": after.sort_key, "after_id": after.id}
        rows = await self._db.rows(
            ("page", *_filter_shape(completed, category), after is not None),
            lambda: page_query(completed=completed, category=category, limit=0, after=after),
            values,
        )
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], Cursor(last[SORT_KEY], last[ID])

    async def update(
        self, todo_id: int, changes: Mapping[str, Any], versions: frozenset[int] | None
    ) -> Row | None:
        """Apply changes if the todo exists and its version is one of `versions` (any if None).

        The version check and the write are one statement, so of two writers holding
        the same version exactly one succeeds.
        """
        if todo_id > MAX_ID:
            return None
        names = tuple(changes)
        matches, version_values = _versions(versions)

        def build() -> Any:
            values = {name: _param(name, None, todos.c[name]) for name in names}
            return (
                update(todos)
                .where(todos.c.id == _param("id", None, todos.c.id), matches)
                .values(
                    **values,
                    updated_at=_param("now", None, todos.c.updated_at),
                    version=todos.c.version + 1,
                )
                .returning(*COLUMNS)
            )

        shape = ("update", names, None if versions is None else len(versions))
        values = {**changes, **version_values, "id": todo_id, "now": _now()}
        rows = await self._db.rows(shape, build, values)
        return rows[0] if rows else None

    async def delete(self, todo_id: int, versions: frozenset[int] | None) -> bool:
        if todo_id > MAX_ID:
            return False
        matches, version_values = _versions(versions)
        rows = await self._db.rows(
            ("delete", None if versions is None else len(versions)),
            lambda: (
                delete(todos)
                .where(todos.c.id == _param("id", None, todos.c.id), matches)
                .returning(todos.c.id)
            ),
            {**version_values, "id": todo_id},
        )
        return bool(rows)

    async def delete_many(self, *, completed: bool | None, category: str | None) -> int:
        """Delete every matching todo in one statement; returns how many went."""
        rows = await self._db.rows(
            ("delete_many", *_filter_shape(completed, category)),
            lambda: delete(todos).where(_filter(completed, category)).returning(todos.c.id),
            {"completed": completed, "category": category},
        )
        return len(rows)

    async def categories(self) -> list[Row]:
        """(category, open, completed) per category, the uncategorised last."""
        return await self._db.rows(
            ("categories",),
            lambda: (
                select(
                    todos.c.category,
                    func.count().filter(todos.c.completed.is_(False)).label("open"),
                    func.count().filter(todos.c.completed.is_(True)).label("completed"),
                )
                .group_by(todos.c.category)
                .order_by(todos.c.category.is_(None), todos.c.category)
            ),
            {},
        )

    async def ping(self) -> None:
        await self._db.rows(("ping",), lambda: select(1), {})

"""Every query on todos, in SQLAlchemy Core with bound parameters, compiled once per shape.

A statement's shape (which filters, which fields change, how many If-Match versions) picks
its compiled form; each request only binds values. Rows come back as the driver's tuples,
read by position (the `COLUMNS` order).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Delete
from sqlalchemy.sql.functions import FunctionElement

from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import UNORDERED, todos
from todo_async.pagination import NO_DUE, Cursor

COLUMNS = (
    todos.c.id,
    todos.c.title,
    todos.c.category,
    todos.c.completed,
    todos.c.order,
    todos.c.created_at,
    todos.c.updated_at,
    todos.c.version,
    todos.c.due,
)
ID, TITLE, CATEGORY, COMPLETED, ORDER, CREATED_AT, UPDATED_AT, VERSION, DUE, POSITION = range(10)

# A todo as the driver returns it, in `COLUMNS` order.
Row = Sequence[Any]

# Ids beyond a signed 64-bit integer cannot exist; asking for one is a plain miss.
MAX_ID = 2**63 - 1


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _param(name: str, value: Any, like: ColumnElement[Any]) -> BindParameter[Any]:
    return bindparam(name, value, type_=like.type)


def _owned(owner: int | None = None) -> ColumnElement[bool]:
    return todos.c.owner_id == _param("owner", owner, todos.c.owner_id)


@dataclass(frozen=True)
class DueRange:
    """Which due dates a list keeps: each condition set narrows it (all of them hold)."""

    on: dt.date | None = None
    none: bool = False
    # Exclusive bounds: due < before, due > after.
    before: dt.date | None = None
    after: dt.date | None = None
    # Open todos only, whatever else the list asks of `completed`.
    open_only: bool = False

    @property
    def exact(self) -> bool:
        """One due value (a date, or none): the (owner, due, position, id) index serves it
        in list order."""
        return self.on is not None or self.none

    def shape(self) -> tuple[bool, ...]:
        return (
            self.on is not None,
            self.none,
            self.before is not None,
            self.after is not None,
            self.open_only,
        )

    def values(self) -> dict[str, Any]:
        return {"due_on": self.on, "due_before": self.before, "due_after": self.after}

    def clauses(self) -> list[ColumnElement[bool]]:
        due = todos.c.due
        clauses = []
        if self.on is not None:
            clauses.append(due == _param("due_on", self.on, due))
        if self.none:
            clauses.append(due.is_(None))
        if self.before is not None:
            clauses.append(due < _param("due_before", self.before, due))
        if self.after is not None:
            clauses.append(due > _param("due_after", self.after, due))
        if self.open_only:
            clauses.append(todos.c.completed == false())
        return clauses


ANY_DUE = DueRange()
Sort = Literal["list", "due"]


def _filter(
    owner: int, completed: bool | None, category: str | None, due: DueRange = ANY_DUE
) -> ColumnElement[bool]:
    """The owner's todos that match: the owner first, as every index has it."""
    # Plain equalities, not IS: PostgreSQL's btree indexes cannot search `IS true`.
    clauses: list[ColumnElement[bool]] = [_owned(owner), *due.clauses()]
    if completed is not None:
        clauses.append(todos.c.completed == _param("completed", completed, todos.c.completed))
    if category is not None:
        clauses.append(
            todos.c.category == _param("category", category, todos.c.category)
            if category
            else todos.c.category.is_(None)
        )
    return and_(*clauses)


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


# Clear-completed deletes in batches of this many rows per statement. On SQLite each
# statement holds the one connection and the write lock, so readers wait for one batch
# (~20 ms), not for all. PostgreSQL readers never wait on a delete (they see the old rows
# until its commit), but one statement over a million rows would hold its locks, its WAL
# and its connection for as long as it runs (and outlive any statement timeout): larger
# batches there, each short.
SQLITE_DELETE_BATCH = 2500
POSTGRES_DELETE_BATCH = 10_000

# Rows of a page in list order, whichever order the statement returned them in.
_list_order = itemgetter(POSITION, ID)


def _due_order(row: Row) -> tuple[Any, ...]:
    # In due-date order: todos without one last. A driver returns one type for a column
    # (SQLite ISO text, PostgreSQL dates), which sort alike.
    due = row[DUE]
    return (due is None, due or "", row[POSITION], row[ID])


def _due_day(due: str | dt.date | None) -> int:
    if due is None:
        return NO_DUE
    return (dt.date.fromisoformat(due) if isinstance(due, str) else due).toordinal()


def _list_order_by(
    completed: bool | None, category: str | None, due: DueRange, sort: Sort = "list"
) -> list[ColumnElement[Any]]:
    # Ordering by the owner and the filtered columns first changes nothing (each holds one
    # value) but names the filter's own index: only it returns rows in this order without a
    # sort, so no planner trades it for another index plus a filter that may read far.
    # The due indexes have no category: with one, its index serves and due filters.
    filtered = [
        column
        for column, value in ((todos.c.category, category), (todos.c.completed, completed))
        if value is not None
    ]
    if category is None and (sort == "due" or due.exact):
        filtered.append(todos.c.due)
    return [todos.c.owner_id, *filtered, todos.c.position, todos.c.id]


def _in_list_order(
    where: ColumnElement[bool],
    completed: bool | None,
    category: str | None,
    limit: BindParameter[Any],
    due: DueRange = ANY_DUE,
    sort: Sort = "list",
) -> Select[Any]:
    return (
        select(*COLUMNS, todos.c.position)
        .where(where)
        .order_by(*_list_order_by(completed, category, due, sort))
        .limit(limit)
    )


class same_position(FunctionElement[Any]):
    """position = the cursor's, written as each planner seeks it from the cursor on.

    Statistics from a table where every todo shares one position (none has an `order`)
    lead both planners to walk the primary key from the cursor's id and filter by
    position, which reads the whole table when the cursor sits among a few ordered
    todos. SQLite is told the equality is rare (likelihood()); PostgreSQL gets a closed
    range, which unlike an equality leaves (position, id) the only order that needs no
    sort: a scan of the (…, position, id) index from (p, i).
    """

    inherit_cache = True


@compiles(same_position)
def _compile_same_position(element: same_position, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} >= {value} AND {column} <= {value})"


@compiles(same_position, "sqlite")
def _compile_same_position_on_sqlite(
    element: same_position, compiler: SQLCompiler, **kw: Any
) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"likelihood({column} = {value}, 1e-06)"


def page_query(
    *,
    owner: int,
    completed: bool | None,
    category: str | None,
    limit: int,
    after: Cursor | None,
    due: DueRange = ANY_DUE,
    sort: Sort = "list",
) -> Select[Any] | CompoundSelect[Any]:
    """The owner's todos in list order from just after `after`, read by seeking an index to
    the cursor.

    Each filter has an index led by its columns and then (position, id). The cursor
    condition (position, id) > (p, i) is split in two ranges that each seek it: the rest
    of the cursor's position (position = p AND id > i), then the positions after it.
    Neither database seeks the row comparison whole: SQLite 3.40 uses only its first
    column when the second is the rowid, and PostgreSQL estimates it from the first
    column alone, so among todos without an `order` (all share one position) it expects
    one row and may pick a plan that filters and sorts everything after the cursor.
    The union holds at most twice `limit` rows, which `page` puts in order.

    Sorted by due date (`sort="due"`), the key is (due, position, id), todos without a due
    date last; the cursor splits the same way, one range more per due-date column value
    (the rest of its date, the later dates, then those without one).
    """
    where = _filter(owner, completed, category, due)
    limit_param = bindparam("limit", limit, type_=todos.c.version.type)

    def ranged(*conditions: ColumnElement[bool]) -> Select[Any]:
        return _in_list_order(and_(where, *conditions), completed, category, limit_param, due, sort)

    if sort == "due":
        parts = _due_ranges(after)
    elif after is None:
        return ranged()
    else:
        parts = _rest_of_list(after)
    selects = [ranged(*conditions) for conditions in parts]
    if len(selects) == 1:
        return selects[0]
    return union_all(*(select(part.subquery()) for part in selects))


def _rest_of_list(after: Cursor) -> list[list[ColumnElement[bool]]]:
    """The conditions of the ranges that follow `after` in (position, id) order."""
    position = _param("after_position", after.sort_key, todos.c.position)
    parts = [
        [
            same_position(todos.c.position, position),
            todos.c.id > _param("after_id", after.id, todos.c.id),
        ]
    ]
    # No position follows the one todos without an `order` share.
    if after.sort_key < UNORDERED:
        parts.append([todos.c.position > position])
    return parts


def _due_ranges(after: Cursor | None) -> list[list[ColumnElement[bool]]]:
    """The conditions of the ranges that follow `after` in (due, position, id) order."""
    no_due = todos.c.due.is_(None)
    if after is None:
        return [[todos.c.due.is_not(None)], [no_due]]
    if after.due is None:
        return [[no_due, *part] for part in _rest_of_list(after)]
    on = _param("after_due", after.due, todos.c.due)
    return [
        *([todos.c.due == on, *part] for part in _rest_of_list(after)),
        [todos.c.due > on],
        [no_due],
    ]


def delete_many_query(
    *, owner: int, completed: bool | None, category: str | None, max_id: int, batch: int
) -> Delete:
    """Delete the first `batch` of the owner's matching todos with ids up to `max_id`."""
    where = _filter(owner, completed, category)
    id_bound = _param("max_id", max_id, todos.c.id)
    # Each batch reads the filter's index from its start, where the previous batch left
    # nothing behind. The id bound is written `id + 0`: as a plain range the planner
    # walks the primary key instead, past every row a previous batch kept.
    ids = (
        select(todos.c.id)
        .where(where, todos.c.id + 0 <= id_bound)
        .order_by(*_list_order_by(completed, category, ANY_DUE))
        .limit(batch)
    )
    return delete(todos).where(todos.c.id.in_(ids.scalar_subquery()))


def _import_insert(names: tuple[str, ...]) -> Any:
    values = {name: _param(name, None, todos.c[name]) for name in names}
    now = _param("now", None, todos.c.created_at)
    return insert(todos).values(
        **values,
        owner_id=_param("owner", None, todos.c.owner_id),
        import_digest=_param("import_digest", None, todos.c.import_digest),
        created_at=now,
        updated_at=now,
        version=1,
    )


# Any constant: the class of PostgreSQL's per-owner import locks (the key is the owner).
IMPORT_LOCK_CLASS = 7_346_120
# Digests looked up per statement.
IMPORT_LOOKUP_BATCH = 500

# A quota is counted again after this many creates in one process (see `_has_room`).
QUOTA_RECOUNT = 100
# Owners whose room is remembered at most; past it the memory starts over.
MAX_OWNERS_REMEMBERED = 10_000


class TodoRepository:
    def __init__(self, database: TodoDatabase) -> None:
        self._db = database
        # Per owner: creates this process may make before counting again.
        self._room: dict[int, int] = {}
        # Per owner: the count in flight, which every create that finds no room awaits.
        self._counting: dict[int, asyncio.Future[int]] = {}
        # Per owner: creates given room whose insert has not ended, and the event a count
        # waits on until they have (a count that missed them would give their room again).
        self._writing: dict[int, int] = {}
        self._written: dict[int, asyncio.Event] = {}

    async def create(
        self, owner: int, fields: Mapping[str, Any], most: int | None = None
    ) -> Row | None:
        """The new todo; None (nothing made) when the owner has `most` todos already."""
        if most is None:
            return await self._insert(owner, fields)
        if not await self._has_room(owner, most):
            return None
        self._writing[owner] = self._writing.get(owner, 0) + 1
        try:
            return await self._insert(owner, fields)
        finally:
            self._end_write(owner)

    async def _insert(self, owner: int, fields: Mapping[str, Any]) -> Row:
        names = tuple(fields)

        def build() -> Any:
            values = {name: _param(name, None, todos.c[name]) for name in names}
            now = _param("now", None, todos.c.created_at)
            return (
                insert(todos)
                .values(
                    **values,
                    owner_id=_param("owner", None, todos.c.owner_id),
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
                .returning(*COLUMNS)
            )

        values = {**fields, "owner": owner, "now": _now()}
        rows = await self._db.rows(("create", names), build, values)
        return rows[0]  # type: ignore[no-any-return]

    async def import_todos(
        self, owner: int, imported: Sequence[tuple[Mapping[str, Any], bytes]], most: int | None
    ) -> tuple[int, int] | None:
        """Create the (fields, digest) todos whose digest the owner's todos do not hold
        yet, all in one transaction; (created, skipped), or None (nothing made) when the
        new ones would take the owner past `most` todos.

        Imports of one owner run one at a time (PostgreSQL: an advisory lock per owner;
        SQLite: the one writer), so two of the same file add it once.
        """
        digests = [digest for _, digest in imported]
        async with self._db.transaction():
            if self._db.dialect_name == "postgresql":
                await self._db.rows(
                    ("import_lock",),
                    lambda: select(
                        func.pg_advisory_xact_lock(
                            _param("lock_class", None, todos.c.version),
                            _param("lock_key", None, todos.c.version),
                        )
                    ),
                    {"lock_class": IMPORT_LOCK_CLASS, "lock_key": owner & 0x7FFFFFFF},
                )
            held = set()
            for start in range(0, len(digests), IMPORT_LOOKUP_BATCH):
                batch = digests[start : start + IMPORT_LOOKUP_BATCH]
                held |= {row[0] for row in await self._held_digests(owner, batch)}
            new = [(fields, digest) for fields, digest in imported if bytes(digest) not in held]
            if most is not None and new and await self._count_up_to(owner, most) + len(new) > most:
                return None
            now = _now()
            for fields, digest in new:
                names = tuple(fields)
                await self._db.changed(
                    ("import", names),
                    partial(_import_insert, names),
                    {**fields, "owner": owner, "now": now, "import_digest": digest},
                )
        # Quota counts made by `create` are stale now.
        self._room.pop(owner, None)
        return len(new), len(imported) - len(new)

    async def _held_digests(self, owner: int, digests: Sequence[bytes]) -> list[Row]:
        values = {f"digest_{n}": digest for n, digest in enumerate(digests)}
        column = todos.c.import_digest
        return await self._db.rows(
            ("held_digests", len(digests)),
            lambda: select(column).where(
                _owned(), column.in_([_param(name, None, column) for name in values])
            ),
            {**values, "owner": owner},
        )

    async def _count_up_to(self, owner: int, most: int) -> int:
        """The owner's todos, counted no further than `most` index entries."""
        [(count,)] = await self._db.rows(
            ("count_up_to",),
            lambda: select(func.count()).select_from(
                select(todos.c.id)
                .where(_owned())
                .limit(_param("most", None, todos.c.version))
                .subquery()
            ),
            {"owner": owner, "most": most},
        )
        return int(count)

    async def _has_room(self, owner: int, most: int) -> bool:
        """Whether the owner may have one more todo, counted at most every QUOTA_RECOUNT
        creates here: counting reads up to `most` index entries, which would cost every
        create of a long list more than the insert itself. Between counts this process
        uses up what the last one left (at most QUOTA_RECOUNT), so other processes can
        overshoot `most` by no more than that each; a refusal always follows a fresh count.
        """
        while (room := self._room.get(owner, 0)) <= 0:
            if await self._recount(owner, most) <= 0:
                return False
        self._room[owner] = room - 1
        return True

    def _recount(self, owner: int, most: int) -> asyncio.Future[int]:
        """The owner's room after a fresh count, one count per owner at a time: the creates
        that find no room together share it and then take their turns at the room it
        leaves, rather than each counting (a herd of full counts) and each taking all of it
        (past `most`)."""
        counting = self._counting.get(owner)
        # A count that has ended stays here until its callback runs; a create that found
        # no room in between would get its room (spent already) at once, without yielding,
        # and loop forever: it counts again.
        if counting is None or counting.done():
            counting = asyncio.ensure_future(self._count_room(owner, most))
            self._counting[owner] = counting
            counting.add_done_callback(partial(self._counted, owner))
        # A create cancelled while it waits leaves the count to the others.
        return asyncio.shield(counting)

    def _counted(self, owner: int, counting: asyncio.Future[int]) -> None:
        if self._counting.get(owner) is counting:
            del self._counting[owner]
        if not counting.cancelled():
            # Its waiters raise a failed count's error themselves; with none left (all
            # cancelled) it would be logged as never retrieved.
            counting.exception()

    def _end_write(self, owner: int) -> None:
        left = self._writing.pop(owner) - 1
        if left:
            self._writing[owner] = left
        elif written := self._written.pop(owner, None):
            written.set()

    async def _count_room(self, owner: int, most: int) -> int:
        # No room is given while this count is in flight, so the creates given room
        # before it only end: it waits for them to be in the table.
        if self._writing.get(owner):
            await self._written.setdefault(owner, asyncio.Event()).wait()
        room = min(most - await self._count_up_to(owner, most), QUOTA_RECOUNT)
        if len(self._room) >= MAX_OWNERS_REMEMBERED:
            self._room.clear()
        self._room[owner] = room
        return room

    async def get(self, owner: int, todo_id: int) -> Row | None:
        """The todo if it exists and is the owner's: another's is as missing as no todo."""
        if todo_id > MAX_ID:
            return None
        rows = await self._db.rows(
            ("get",),
            lambda: select(*COLUMNS).where(todos.c.id == _param("id", None, todos.c.id), _owned()),
            {"id": todo_id, "owner": owner},
        )
        return rows[0] if rows else None

    async def page(
        self,
        owner: int,
        *,
        completed: bool | None,
        category: str | None,
        limit: int,
        after: Cursor | None,
        due: DueRange = ANY_DUE,
        sort: Sort = "list",
    ) -> tuple[list[Row], Cursor | None]:
        """One page in list (or due-date) order, and the cursor of the next page if there is
        one. A cursor of the other order than `sort` is the caller's to refuse."""
        # One more than asked tells whether another page follows.
        values = {
            "owner": owner,
            "completed": completed,
            "category": category,
            "limit": limit + 1,
            **due.values(),
        }
        shape: tuple[Any, ...] = ("page", *_filter_shape(completed, category), *due.shape(), sort)
        if after is not None:
            values |= {
                "after_position": after.sort_key,
                "after_id": after.id,
                "after_due": after.due,
            }
            shape += (after.sort_key >= UNORDERED, after.due is None)
        rows = await self._db.rows(
            shape,
            lambda: page_query(
                owner=owner,
                completed=completed,
                category=category,
                limit=0,
                after=after,
                due=due,
                sort=sort,
            ),
            values,
        )
        rows.sort(key=_due_order if sort == "due" else _list_order)
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        due_day = _due_day(last[DUE]) if sort == "due" else None
        return rows[:limit], Cursor(last[POSITION], last[ID], due_day)

    async def update(
        self,
        owner: int,
        todo_id: int,
        changes: Mapping[str, Any],
        versions: frozenset[int] | None,
    ) -> Row | None:
        """Apply changes if the owner's todo exists and its version is one of `versions`
        (any if None).

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
                .where(todos.c.id == _param("id", None, todos.c.id), _owned(), matches)
                .values(
                    **values,
                    updated_at=_param("now", None, todos.c.updated_at),
                    version=todos.c.version + 1,
                )
                .returning(*COLUMNS)
            )

        shape = ("update", names, None if versions is None else len(versions))
        values = {**changes, **version_values, "id": todo_id, "owner": owner, "now": _now()}
        rows = await self._db.rows(shape, build, values)
        return rows[0] if rows else None

    async def delete(self, owner: int, todo_id: int, versions: frozenset[int] | None) -> bool:
        if todo_id > MAX_ID:
            return False
        matches, version_values = _versions(versions)
        rows = await self._db.rows(
            ("delete", None if versions is None else len(versions)),
            lambda: (
                delete(todos)
                .where(todos.c.id == _param("id", None, todos.c.id), _owned(), matches)
                .returning(todos.c.id)
            ),
            {**version_values, "id": todo_id, "owner": owner},
        )
        return bool(rows)

    async def delete_many(self, owner: int, *, completed: bool | None, category: str | None) -> int:
        """Delete every matching todo of the owner that exists now, in batches; returns how
        many.

        Todos created meanwhile are not touched (the ids stop at today's largest), so the
        loop ends however busy the writers are.
        """
        [(max_id,)] = await self._db.rows(("max_id",), lambda: select(func.max(todos.c.id)), {})
        if max_id is None:
            return 0
        batch = SQLITE_DELETE_BATCH if self._db.dialect_name == "sqlite" else POSTGRES_DELETE_BATCH
        shape = ("delete_many", *_filter_shape(completed, category))
        values = {"owner": owner, "completed": completed, "category": category, "max_id": max_id}

        def build() -> Any:
            return delete_many_query(
                owner=owner, completed=completed, category=category, max_id=0, batch=batch
            )

        deleted = 0
        while True:
            # A count, not the deleted ids: 100k ids would be decoded on the event loop.
            count = await self._db.changed(shape, build, values)
            deleted += count
            if count < batch:
                return deleted

    async def categories(self, owner: int) -> list[Row]:
        """(category, open, completed) per category of the owner's, the uncategorised last."""
        return await self._db.rows(
            ("categories",),
            lambda: (
                select(
                    todos.c.category,
                    func.count().filter(todos.c.completed.is_(False)).label("open"),
                    func.count().filter(todos.c.completed.is_(True)).label("completed"),
                )
                .where(_owned())
                .group_by(todos.c.category)
                .order_by(todos.c.category.is_(None), todos.c.category)
            ),
            {"owner": owner},
            # It reads every todo of the owner's.
            short=False,
        )

    async def ping(self) -> None:
        await self._db.rows(("ping",), lambda: select(1), {})

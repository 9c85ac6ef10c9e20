"""The floor: Starlette and the raw driver on the service's table, with the service's JSON.

No validation, no middleware, no `databases`, no SQLAlchemy: what a request costs when
only the framework and the driver run, each database driven as the service drives it.
SQLite: reads on a read-only sqlite3 connection of the event loop's own, writes on one
persistent aiosqlite connection that every request shares (WAL, statements interleave).
PostgreSQL: an asyncpg pool the size of the service's. `BENCH_DATABASE_URL` names the
database.

    uvicorn bench.floor:app
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import aiosqlite
import asyncpg
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COLUMNS = 'id, title, category, completed, "order", created_at, updated_at, version'
# The open list's todos (owner 0), read as the service reads them in open mode: the owner
# first, as its indexes are, and the stored list position.
LIST = f"SELECT {COLUMNS}, position FROM todos WHERE owner_id = 0 ORDER BY position, id LIMIT ?"
GET = f"SELECT {COLUMNS} FROM todos WHERE id = ? AND owner_id = 0"
CREATE = (
    'INSERT INTO todos (title, category, completed, "order", created_at, updated_at, version)'
    f" VALUES (?, ?, ?, NULL, ?, ?, 1) RETURNING {COLUMNS}"
)
PATCH = (
    "UPDATE todos SET completed = ?, updated_at = ?, version = version + 1"
    f" WHERE id = ? AND owner_id = 0 RETURNING {COLUMNS}"
)
POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))


class Store(Protocol):
    async def rows(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]: ...

    async def read(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]: ...

    def now(self) -> Any: ...

    def moment(self, value: Any) -> str | dt.datetime: ...

    async def close(self) -> None: ...


class SQLiteStore:
    def __init__(self, connection: aiosqlite.Connection, reader: sqlite3.Connection) -> None:
        self._connection = connection
        self._reader = reader

    @classmethod
    async def open(cls, path: str) -> SQLiteStore:
        connection = await aiosqlite.connect(path, isolation_level=None)
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=normal")
        await connection.execute("PRAGMA busy_timeout=5000")
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("PRAGMA query_only=ON")
        return cls(connection, reader)

    async def rows(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return list(await self._connection.execute_fetchall(sql, args))

    async def read(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return self._reader.execute(sql, args).fetchall()

    def now(self) -> str:
        # The text form SQLAlchemy stores on SQLite.
        return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def moment(self, value: Any) -> str:
        return f"{str(value).replace(' ', 'T')}Z"

    async def close(self) -> None:
        self._reader.close()
        await self._connection.close()


def numbered(sql: str) -> str:
    """qmark placeholders as asyncpg's $1, $2…"""
    parts = sql.split("?")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        pool = await asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE)
        return cls(pool)

    async def rows(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return list(await self._pool.fetch(numbered(sql), *args))

    async def read(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        return await self.rows(sql, *args)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def moment(self, value: Any) -> dt.datetime:
        return value  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self._pool.close()


async def open_store(url: str) -> Store:
    if url.startswith("sqlite"):
        return await SQLiteStore.open(url.removeprefix("sqlite:///"))
    return await PostgresStore.open(url)


def todo(store: Store, row: Sequence[Any], base: str) -> dict[str, Any]:
    return {
        "id": row[0],
        "title": row[1],
        "category": row[2],
        "completed": bool(row[3]),
        "order": row[4],
        "created_at": store.moment(row[5]),
        "updated_at": store.moment(row[6]),
        "url": f"{base}api/todos/{row[0]}",
    }


def item(store: Store, request: Request, row: Sequence[Any], status: int = 200) -> Response:
    body = todo(store, row, str(request.base_url))
    headers = {"ETag": f'"v{row[7]}"'}
    if status == 201:
        headers["Location"] = body["url"]
    return Response(to_json(body), status, headers, "application/json")


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def list_todos(request: Request) -> Response:
    store = store_of(request)
    rows = await store.read(LIST, int(request.query_params.get("limit", "100")))
    base = str(request.base_url)
    return Response(
        to_json([todo(store, row, base) for row in rows]), 200, None, "application/json"
    )


async def create_todo(request: Request) -> Response:
    store = store_of(request)
    fields = json.loads(await request.body())
    now = store.now()
    rows = await store.rows(
        CREATE, fields["title"], fields.get("category"), fields.get("completed", False), now, now
    )
    return item(store, request, rows[0], 201)


async def get_todo(request: Request) -> Response:
    store = store_of(request)
    rows = await store.read(GET, request.path_params["id"])
    return item(store, request, rows[0]) if rows else Response(status_code=404)


async def patch_todo(request: Request) -> Response:
    store = store_of(request)
    fields = json.loads(await request.body())
    rows = await store.rows(PATCH, fields["completed"], store.now(), request.path_params["id"])
    return item(store, request, rows[0]) if rows else Response(status_code=404)


async def health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', 200, None, "application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.store = await open_store(os.environ["BENCH_DATABASE_URL"])
    try:
        yield
    finally:
        await app.state.store.close()


app = Starlette(
    routes=[
        Route("/api/todos", list_todos, methods=["GET"]),
        Route("/api/todos", create_todo, methods=["POST"]),
        Route("/api/todos/{id:int}", get_todo, methods=["GET"]),
        Route("/api/todos/{id:int}", patch_todo, methods=["PATCH"]),
        Route("/health", health, methods=["GET"]),
    ],
    lifespan=lifespan,
)

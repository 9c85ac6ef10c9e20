"""The independent floor: the plainest correct hand-written Starlette app for the four endpoints.

Written once from the API's description, not from the service's code, and not tuned:
pydantic models with the API's limits validate the input, every query names the owner
(the open list's, 0), the same table and indexes (the service creates them), the same
bodies and headers (the `Link` of a next page, `ETag`, `Location`, the browser security
headers, a request id). Each driver as it comes: SQLite through one aiosqlite connection
(its own thread; autocommit, so each statement is its own transaction, since requests
interleave on the connection and one's commit must not meet another's statement half
read; only the durability pragmas the service runs with, so a write is as durable here
as there); PostgreSQL through an asyncpg pool with its defaults. Stock uvicorn serves
it. `BENCH_DATABASE_URL` names the database.

    uvicorn bench.plain:app
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import struct
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import aiosqlite
import asyncpg
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

OPEN_LIST = 0
UNORDERED = 2**62
COLUMNS = 'id, title, category, completed, "order", created_at, updated_at, version, due'
LIST = f"SELECT {COLUMNS}, position FROM todos WHERE owner_id = $1 ORDER BY position, id LIMIT $2"
GET = f"SELECT {COLUMNS} FROM todos WHERE id = $1 AND owner_id = $2"
CREATE = (
    'INSERT INTO todos (title, category, completed, "order", due, created_at, updated_at,'
    f" version, owner_id) VALUES ($1, $2, $3, $4, $5, $6, $6, 1, $7) RETURNING {COLUMNS}"
)
# What a patch may change; the SET clause names those the body holds, in this order.
PATCHABLE = ("title", "category", "completed", "order", "due")
SECURITY_HEADERS = {
    "Vary": "Origin",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "require-trusted-types-for 'script'; trusted-types 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
ONE_LINE = r"^[^\x00-\x08\x0A-\x1F]*$"
Title = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=ONE_LINE)]
Category = Annotated[str, StringConstraints(max_length=64, pattern=ONE_LINE)]
Order = Annotated[int, Field(ge=-(2**53 - 1), le=2**53 - 1)]


class NewTodo(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: Title
    category: Category | None = None
    completed: bool = False
    order: Order | None = None
    due: dt.date | None = None


class TodoChanges(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: Title | None = None
    category: Category | None = None
    completed: bool | None = None
    order: Order | None = None
    due: dt.date | None = None


class Database:
    """The SQLite file or the PostgreSQL server, as its driver comes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite: aiosqlite.Connection | None = None
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        if self.url.startswith("sqlite"):
            path = self.url.removeprefix("sqlite:///")
            self.sqlite = await aiosqlite.connect(path, isolation_level=None)
            # The service's durability and lock wait: what a commit promises, not speed.
            await self.sqlite.execute("PRAGMA synchronous=normal")
            await self.sqlite.execute("PRAGMA busy_timeout=5000")
        else:
            self.pool = await asyncpg.create_pool(self.url)

    async def close(self) -> None:
        if self.sqlite is not None:
            await self.sqlite.close()
        if self.pool is not None:
            await self.pool.close()

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        if self.pool is not None:
            return list(await self.pool.fetch(sql, *args))
        assert self.sqlite is not None
        # $n as SQLite's numbered ?n.
        return list(await self.sqlite.execute_fetchall(sql.replace("$", "?"), args))

    def now(self) -> str | dt.datetime:
        """This moment as the schema stores it: on SQLite, UTC text without a zone."""
        now = dt.datetime.now(dt.UTC)
        return now if self.pool is not None else now.strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: dt.date | None) -> str | dt.date | None:
        """A due date as the schema stores it: on SQLite, ISO 8601 text."""
        return value if self.pool is not None or value is None else value.isoformat()


def moment(value: str | dt.datetime) -> str:
    """A stored time in ISO 8601, UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def todo(row: Sequence[Any], base: str) -> dict[str, Any]:
    return {
        "id": row[0],
        "title": row[1],
        "category": row[2],
        "completed": bool(row[3]),
        "order": row[4],
        "created_at": moment(row[5]),
        "updated_at": moment(row[6]),
        "due": None if row[8] is None else str(row[8]),
        "url": f"{base}api/todos/{row[0]}",
    }


def headers(**more: str) -> dict[str, str]:
    return {**SECURITY_HEADERS, "X-Request-ID": uuid.uuid4().hex, **more}


def problem(status: int, detail: str) -> Response:
    body = {"type": "about:blank", "status": status, "detail": detail}
    return JSONResponse(body, status, headers(), "application/problem+json")


def one(row: Sequence[Any], request: Request, status: int = 200) -> Response:
    body = todo(row, str(request.base_url))
    extra = {"ETag": f'"v{row[7]}"'}
    if status == 201:
        extra["Location"] = body["url"]
    return JSONResponse(body, status, headers(**extra))


def database(request: Request) -> Database:
    found: Database = request.app.state.database
    return found


def cursor(row: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(struct.pack(">qq", row[9], row[0])).rstrip(b"=").decode()


async def list_todos(request: Request) -> Response:
    limit = request.query_params.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        return problem(422, "limit: a whole number from 1 to 1000")
    rows = await database(request).fetch(LIST, OPEN_LIST, int(limit) + 1)
    base = str(request.base_url)
    extra = {}
    if len(rows) > int(limit):
        rows = rows[:-1]
        url = f"{base}api/todos?limit={limit}&cursor={cursor(rows[-1])}"
        extra["Link"] = f'<{url}>; rel="next"'
    return JSONResponse([todo(row, base) for row in rows], headers=headers(**extra))


async def create_todo(request: Request) -> Response:
    try:
        new = NewTodo.model_validate_json(await request.body())
    except ValidationError as error:
        return problem(422, str(error))
    if not new.title.strip():
        return problem(422, "title: empty")
    db = database(request)
    category = (new.category or "").strip() or None
    values = (new.title.strip(), category, new.completed, new.order, db.day(new.due))
    rows = await db.fetch(CREATE, *values, db.now(), OPEN_LIST)
    return one(rows[0], request, 201)


async def get_todo(request: Request) -> Response:
    rows = await database(request).fetch(GET, request.path_params["id"], OPEN_LIST)
    return one(rows[0], request) if rows else problem(404, "no such todo")


async def patch_todo(request: Request) -> Response:
    try:
        changes = TodoChanges.model_validate_json(await request.body())
    except ValidationError as error:
        return problem(422, str(error))
    fields = changes.model_dump(exclude_unset=True)
    if any(fields.get(name, "") is None for name in ("title", "completed")):
        return problem(422, "title and completed may be left out, not null")
    for name in ("title", "category"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip() or None
    if "title" in fields and fields["title"] is None:
        return problem(422, "title: empty")
    named = [name for name in PATCHABLE if name in fields]
    assignments = "".join(f'"{name}" = ${n}, ' for n, name in enumerate(named, start=4))
    sql = (
        f"UPDATE todos SET {assignments}updated_at = $1, version = version + 1"
        f" WHERE id = $2 AND owner_id = $3 RETURNING {COLUMNS}"
    )
    db = database(request)
    if "due" in fields:
        fields["due"] = db.day(fields["due"])
    values = [fields[name] for name in named]
    rows = await db.fetch(sql, db.now(), request.path_params["id"], OPEN_LIST, *values)
    return one(rows[0], request) if rows else problem(404, "no such todo")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.database = Database(os.environ["BENCH_DATABASE_URL"])
    await app.state.database.open()
    try:
        yield
    finally:
        await app.state.database.close()


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

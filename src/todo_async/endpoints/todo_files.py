"""/api/todos/export and /api/todos/import: the caller's list as a file, and files into it.

The export is read whole before it is sent, a page of EXPORT_PAGE todos per query: a
failure while reading is then an answer of its own, never a file cut short.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts.identity import owner_of
from todo_async.endpoints.todos import quota, repository_of, todo_document
from todo_async.imports import PARSERS, BadLine, read_file
from todo_async.pagination import Cursor
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse, dumps
from todo_async.request_input import read_capped, read_query
from todo_async.schemas import ExportQuery, ImportResult
from todo_async.serving.endpoint import HTTPEndpoint
from todo_async.serving.url_for import url_for

# Todos read per query while exporting: the file streams out a page at a time.
EXPORT_PAGE = 1000
CSV_HEADER = ("id", "title", "category", "completed", "order", "due", "created_at", "updated_at")


async def _pages(request: Request) -> AsyncIterator[list[dict[str, Any]]]:
    owner = owner_of(request).id
    collection_url = url_for(request, "todos")
    after: Cursor | None = None
    while True:
        rows, after = await repository_of(request).page(
            owner, completed=None, category=None, limit=EXPORT_PAGE, after=after
        )
        yield [todo_document(row, collection_url) for row in rows]
        if after is None:
            return


async def _json_file(request: Request) -> bytes:
    return dumps([todo async for todos in _pages(request) for todo in todos])


def _cell(value: object) -> object:
    """As the JSON export writes it: booleans as true/false, moments in ISO 8601 UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


async def _csv_file(request: Request) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    async for todos in _pages(request):
        for todo in todos:
            writer.writerow([_cell(todo[name]) for name in CSV_HEADER])
    return buffer.getvalue().encode()


class TodoExport(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        query = read_query(request, ExportQuery)
        body, media_type = (
            (await _json_file(request), "application/json")
            if query.format == "json"
            else (await _csv_file(request), "text/csv; charset=utf-8")
        )
        disposition = f'attachment; filename="todos.{query.format}"'
        return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


class TodoImport(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        owner = owner_of(request)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in PARSERS:
            raise Problem(415, "Send the file as application/json, text/csv or text/plain.")
        body = await read_capped(request, request.app.state.settings.import_max_bytes)
        try:
            todos = read_file(media_type, body)
        except BadLine as bad:
            raise bad.problem() from None
        counts = await repository_of(request).import_todos(
            owner.id, [(todo.fields, todo.digest) for todo in todos], quota(request, owner)
        )
        if counts is None:
            raise Problem(409, "The file holds more todos than you have room for.")
        created, skipped = counts
        result = ImportResult(created=created, skipped=skipped)
        return JSONResponse(result.model_dump(), 201 if created else 200)


routes = [
    Route("/api/todos/export", TodoExport, name="todo_export"),
    Route("/api/todos/import", TodoImport, name="todo_import"),
]

"""The todo collection and its items."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

from pydantic import MISSING
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts.identity import Owner, owner_of
from todo_async.due_views import due_range
from todo_async.pagination import Cursor
from todo_async.preconditions import etag, expected_versions, precondition_failed
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.repository import (
    CATEGORY,
    COMPLETED,
    CREATED_AT,
    DUE,
    ID,
    ORDER,
    TITLE,
    UPDATED_AT,
    VERSION,
    Row,
    TodoRepository,
)
from todo_async.request_input import read_json, read_query, read_row_id
from todo_async.schemas import Deleted, ListQuery, TodoCreate, TodoFilter, TodoPatch
from todo_async.serving.endpoint import HTTPEndpoint
from todo_async.serving.query_cache import per_query_string
from todo_async.serving.url_for import url_for


def repository_of(request: Request) -> TodoRepository:
    repository: TodoRepository = request.app.state.repository
    return repository


def _max_body(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


def quota(request: Request, owner: Owner) -> int | None:
    """How many todos a user may hold; open mode's shared list has no bound."""
    if owner.username is None:
        return None
    most: int = request.app.state.settings.todos_per_user
    return most


def _next_link(collection_url: str, query_string: bytes, cursor: Cursor) -> str:
    """The Link header for the next page: this request's URL with its cursor replaced."""
    kept = _query_without_cursor(query_string)
    separator = "&" if kept else ""
    return f'<{collection_url}?{kept}{separator}cursor={cursor.encode()}>; rel="next"'


@per_query_string
def _query_without_cursor(query_string: bytes) -> str:
    # As URL.include_query_params: the other parameters re-encoded in their order, and the
    # cursor last (its characters need no escaping); a list request comes only to the
    # collection's URL, so that URL and this query make the request's URL.
    params = parse_qsl(query_string.decode(), keep_blank_values=True)
    return urlencode([(name, value) for name, value in params if name != "cursor"])


def _moment(value: str | dt.datetime) -> str | dt.datetime:
    """A stored timestamp as the API writes it: ISO 8601 in UTC, as pydantic renders it.

    SQLite hands back the text it stores ("2026-12-01 20:52:08.123456", UTC, no zone):
    reshaped as text, it needs no datetime on the way out.
    """
    if isinstance(value, str):
        if value.endswith(".000000"):
            value = value[:19]
        return value.replace(" ", "T", 1) + "Z"
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def todo_document(row: Row, collection_url: str) -> dict[str, Any]:
    return {
        "id": row[ID],
        "title": row[TITLE],
        "category": row[CATEGORY],
        "completed": bool(row[COMPLETED]),
        "order": row[ORDER],
        # SQLite hands back the ISO text it stores, PostgreSQL a date: both render alike.
        "due": row[DUE],
        "created_at": _moment(row[CREATED_AT]),
        "updated_at": _moment(row[UPDATED_AT]),
        "url": f"{collection_url}/{row[ID]}",
    }


def _item_response(request: Request, row: Row, status: int = 200) -> JSONResponse:
    body = todo_document(row, url_for(request, "todos"))
    headers = {"ETag": etag(row[VERSION])}
    if status == 201:
        headers["Location"] = body["url"]
    return JSONResponse(body, status, headers=headers)


def _not_found(todo_id: int) -> Problem:
    return Problem(404, f"There is no todo {todo_id}.")


def _filters(query: TodoFilter) -> dict[str, Any]:
    completed = None if query.completed is MISSING else query.completed == "true"
    category = None if query.category is MISSING else query.category
    return {"completed": completed, "category": category}


class TodoCollection(HTTPEndpoint):
    """/api/todos: list, create, delete many."""

    async def get(self, request: Request) -> Response:
        owner = owner_of(request).id
        query = read_query(request, ListQuery)
        # The schema's pattern admits only tokens that decode.
        after = None if query.cursor is MISSING else Cursor.decode(query.cursor)
        due, completed = due_range(query, dt.datetime.now(dt.UTC))
        category = None if query.category is MISSING else query.category
        rows, next_cursor = await repository_of(request).page(
            owner,
            completed=completed,
            category=category,
            limit=query.limit,
            after=after,
            due=due,
            sort=query.sort,
        )
        collection_url = url_for(request, "todos")
        headers = {}
        if next_cursor is not None:
            query_string = request.scope["query_string"]
            headers["Link"] = _next_link(collection_url, query_string, next_cursor)
        return JSONResponse([todo_document(row, collection_url) for row in rows], headers=headers)

    async def post(self, request: Request) -> Response:
        owner = owner_of(request)
        todo = await read_json(request, TodoCreate, _max_body(request))
        row = await repository_of(request).create(
            owner.id, todo.model_dump(), quota(request, owner)
        )
        if row is None:
            raise Problem(409, "You have as many todos as one may: delete some first.")
        return _item_response(request, row, 201)

    async def delete(self, request: Request) -> Response:
        """Delete all todos, or the matching ones: `?completed=true` clears the done."""
        owner = owner_of(request).id
        query = read_query(request, TodoFilter)
        count = await repository_of(request).delete_many(owner, **_filters(query))
        return JSONResponse(Deleted(deleted=count).model_dump())


class TodoItem(HTTPEndpoint):
    """/api/todos/{id}: read, change, delete one."""

    async def get(self, request: Request) -> Response:
        owner = owner_of(request).id
        todo_id = read_row_id(request, _not_found)
        row = await repository_of(request).get(owner, todo_id)
        if row is None:
            raise _not_found(todo_id)
        return _item_response(request, row)

    async def patch(self, request: Request) -> Response:
        owner = owner_of(request).id
        todo_id = read_row_id(request, _not_found)
        versions = expected_versions(request)
        patch = await read_json(request, TodoPatch, _max_body(request))
        changes = patch.model_dump(include=patch.model_fields_set)
        repository = repository_of(request)
        if changes:
            row = await repository.update(owner, todo_id, changes, versions)
        else:
            row = await repository.get(owner, todo_id)
            if row is not None and versions is not None and row[VERSION] not in versions:
                row = None
        if row is None:
            if await repository.get(owner, todo_id) is None:
                raise _not_found(todo_id)
            raise precondition_failed()
        return _item_response(request, row)

    async def delete(self, request: Request) -> Response:
        owner = owner_of(request).id
        todo_id = read_row_id(request, _not_found)
        versions = expected_versions(request)
        repository = repository_of(request)
        if not await repository.delete(owner, todo_id, versions):
            if await repository.get(owner, todo_id) is None:
                raise _not_found(todo_id)
            raise precondition_failed()
        return Response(status_code=204)


routes = [
    Route("/api/todos", TodoCollection, name="todos"),
    Route("/api/todos/{id:row_id}", TodoItem, name="todo"),
]

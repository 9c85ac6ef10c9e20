"""A user's todos as one JSON document: what the API's export and `todo-async users export`
give. Data, not links: a todo has no `url` here (the document outlives the service's address)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from todo_async.endpoints.todos import todo_document
from todo_async.repository import TodoRepository

# Todos read per query while exporting.
EXPORT_PAGE = 1000


async def export_document(repository: TodoRepository, owner: int, username: str) -> dict[str, Any]:
    todos: list[dict[str, Any]] = []
    after = None
    while True:
        rows, after = await repository.page(
            owner, completed=None, category=None, limit=EXPORT_PAGE, after=after
        )
        for row in rows:
            todo = todo_document(row, "")
            del todo["url"]
            todos.append(todo)
        if after is None:
            return {"username": username, "exportedAt": dt.datetime.now(dt.UTC), "todos": todos}

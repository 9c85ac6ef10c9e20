"""What one simulated user expects its own todos to look like, and the checks against it.

Every simulated user works in a category nobody else touches, so it knows exactly what
the server should answer: the list, each todo, the counts. A response that differs is a
failure even when its status is right. The checks return a short message (stable, so
Locust groups equal failures together) or None when the body is as expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

# The API sorts todos without an `order` after every ordered one, then by id.
UNORDERED = 2**62
_ID_URL = re.compile(r"/api/todos/([0-9]+)$")


@dataclass
class Todo:
    id: int
    title: str
    completed: bool
    order: int | None
    etag: str

    def sort_key(self) -> tuple[int, int]:
        return (UNORDERED if self.order is None else self.order, self.id)


@dataclass
class TodoList:
    """One user's todos as the server should hold them."""

    category: str
    todos: dict[int, Todo]

    def ordered(self) -> list[Todo]:
        return sorted(self.todos.values(), key=Todo.sort_key)

    def open(self) -> list[Todo]:
        return [todo for todo in self.todos.values() if not todo.completed]

    def completed(self) -> list[Todo]:
        return [todo for todo in self.todos.values() if todo.completed]

    def counts(self) -> dict[str, int]:
        done = len(self.completed())
        return {"open": len(self.todos) - done, "completed": done}


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def todo_problem(body: Any, expected: Todo, category: str) -> str | None:
    """Why a todo in a response is not `expected`, or None."""
    if not isinstance(body, dict):
        return "todo is not an object"
    for field, value in (
        ("id", expected.id),
        ("title", expected.title),
        ("category", category),
        ("completed", expected.completed),
        ("order", expected.order),
    ):
        got = body.get(field)
        # Strict: in JSON 0 is not false and 1.0 is not 1.
        if got != value or type(got) is not type(value):
            return f"todo {field} differs"
    if not (_is_timestamp(body.get("created_at")) and _is_timestamp(body.get("updated_at"))):
        return "todo timestamps are not ISO 8601 with a zone"
    match = _ID_URL.search(str(body.get("url", "")))
    if match is None or int(match.group(1)) != expected.id:
        return "todo url does not name its id"
    return None


def created_problem(body: Any, sent: dict[str, Any], location: str | None) -> str | None:
    """Why a 201 body is not the todo just sent, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), int):
        return "created todo has no id"
    expected = Todo(body["id"], sent["title"], False, sent.get("order"), "")
    problem = todo_problem(body, expected, sent["category"])
    if problem:
        return problem
    if location is None or _ID_URL.search(location) is None or location != body["url"]:
        return "Location is not the new todo's url"
    return None


def list_problem(body: Any, expected: list[Todo], category: str) -> str | None:
    """Why a listed page is not exactly `expected`, in that order, or None."""
    if not isinstance(body, list):
        return "list is not an array"
    got = [item.get("id") if isinstance(item, dict) else None for item in body]
    want = [todo.id for todo in expected]
    if got != want:
        if sorted(map(str, got)) == sorted(map(str, want)):
            return "list order differs"
        missing = len(set(want) - set(got))
        unexpected = len(set(got) - set(want))
        return f"list differs: {missing} missing, {unexpected} unexpected"
    for item, todo in zip(body, expected, strict=True):
        problem = todo_problem(item, todo, category)
        if problem:
            return f"listed {problem}"
    return None


def categories_problem(body: Any, todos: TodoList) -> str | None:
    """Why the category summary disagrees with this user's counts, or None."""
    if not isinstance(body, list):
        return "categories is not an array"
    mine = [row for row in body if isinstance(row, dict) and row.get("category") == todos.category]
    if not todos.todos:
        return "empty category is listed" if mine else None
    if len(mine) != 1:
        return "own category missing" if not mine else "own category listed twice"
    row = mine[0]
    counts = todos.counts()
    if row.get("open") != counts["open"] or row.get("completed") != counts["completed"]:
        return "category counts differ"
    return None


def todos_from_list(body: Any, category: str) -> TodoList | None:
    """Take the server's list as the new expectation (after a failed write left it unsure)."""
    if not isinstance(body, list):
        return None
    todos: dict[int, Todo] = {}
    for item in body:
        if not isinstance(item, dict) or item.get("category") != category:
            return None
        todos[item["id"]] = Todo(item["id"], item["title"], item["completed"], item["order"], "")
    return TodoList(category, todos)

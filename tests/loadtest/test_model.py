"""The simulated user's expectations: a body that differs from them is a failure."""

from __future__ import annotations

from typing import Any

from loadtest.model import (
    Todo,
    TodoList,
    categories_problem,
    created_problem,
    list_problem,
    todo_problem,
    todos_from_list,
)

CATEGORY = "load-abc"
URL = "http://127.0.0.1:5000/api/todos"


def as_body(todo: Todo, **changes: Any) -> dict[str, Any]:
    body = {
        "id": todo.id,
        "title": todo.title,
        "category": CATEGORY,
        "completed": todo.completed,
        "order": todo.order,
        "created_at": "2026-11-27T00:00:00Z",
        "updated_at": "2026-11-27T00:00:01.5+00:00",
        "url": f"{URL}/{todo.id}",
    }
    return {**body, **changes}


MILK = Todo(1, "buy milk", False, None, '"v1"')
BREAD = Todo(2, "buy bread", True, 5, '"v2"')
TODOS = TodoList(CATEGORY, {1: MILK, 2: BREAD})


def test_a_todo_must_match_in_every_field() -> None:
    assert todo_problem(as_body(MILK), MILK, CATEGORY) is None
    assert todo_problem(as_body(MILK, title="buy oat milk"), MILK, CATEGORY) == "todo title differs"
    assert todo_problem(as_body(MILK, category=None), MILK, CATEGORY) == "todo category differs"
    assert todo_problem(as_body(MILK, completed=0), MILK, CATEGORY) == "todo completed differs"
    assert todo_problem(as_body(MILK, created_at="yesterday"), MILK, CATEGORY) == (
        "todo timestamps are not ISO 8601 with a zone"
    )
    assert todo_problem(as_body(MILK, url=f"{URL}/2"), MILK, CATEGORY) == (
        "todo url does not name its id"
    )
    assert todo_problem([], MILK, CATEGORY) == "todo is not an object"


def test_the_list_must_hold_exactly_the_users_todos_in_list_order() -> None:
    # Ordered todos first (BREAD has order 5), then the rest by id.
    assert [todo.id for todo in TODOS.ordered()] == [2, 1]
    right = [as_body(BREAD), as_body(MILK)]
    assert list_problem(right, TODOS.ordered(), CATEGORY) is None
    assert list_problem(right[::-1], TODOS.ordered(), CATEGORY) == "list order differs"
    assert list_problem(right[:1], TODOS.ordered(), CATEGORY) == (
        "list differs: 1 missing, 0 unexpected"
    )
    stale = [as_body(BREAD), as_body(MILK, completed=True)]
    assert list_problem(stale, TODOS.ordered(), CATEGORY) == "listed todo completed differs"
    assert list_problem({"items": right}, TODOS.ordered(), CATEGORY) == "list is not an array"


def test_a_created_todo_echoes_what_was_sent_and_locates_itself() -> None:
    sent = {"title": "buy milk", "category": CATEGORY}
    body = as_body(MILK)
    assert created_problem(body, sent, f"{URL}/1") is None
    assert created_problem(body, sent, None) == "Location is not the new todo's url"
    assert created_problem(body, {**sent, "order": 3}, f"{URL}/1") == "todo order differs"
    assert created_problem({"id": "1"}, sent, f"{URL}/1") == "created todo has no id"


def test_category_counts_must_agree_with_the_users_todos() -> None:
    mine = {"category": CATEGORY, "open": 1, "completed": 1}
    other = {"category": "load-other", "open": 7, "completed": 0}
    assert categories_problem([other, mine], TODOS) is None
    assert categories_problem([other], TODOS) == "own category missing"
    assert categories_problem([{**mine, "open": 2}], TODOS) == "category counts differ"
    assert categories_problem([other], TodoList(CATEGORY, {})) is None
    assert categories_problem([mine], TodoList(CATEGORY, {})) == "empty category is listed"


def test_after_a_failure_the_servers_list_becomes_the_expectation() -> None:
    adopted = todos_from_list([as_body(BREAD), as_body(MILK)], CATEGORY)
    assert adopted is not None
    assert adopted.todos[2] == Todo(2, "buy bread", True, 5, "")
    assert todos_from_list([as_body(MILK, category="load-other")], CATEGORY) is None

"""Two users share one service and nothing else: each sees, counts, changes and deletes
only their own todos; without credentials nothing at all."""

from __future__ import annotations

import httpx
import pytest

from tests.api.accounts import User
from tests.api.test_bad_input import assert_problem


async def add(user: User, title: str, **fields: object) -> dict[str, object]:
    response = await user.api.post("/api/todos", json={"title": title, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def titles(user: User, query: str = "") -> list[str]:
    response = await user.api.get(f"/api/todos{query}")
    assert response.status_code == 200, response.text
    return [todo["title"] for todo in response.json()]


async def test_each_user_lists_only_their_own(ann: User, bob: User) -> None:
    await add(ann, "ann 1", category="home")
    await add(bob, "bob 1", category="home")
    await add(ann, "ann 2", completed=True)

    assert await titles(ann) == ["ann 1", "ann 2"]
    assert await titles(bob) == ["bob 1"]
    assert await titles(ann, "?completed=true") == ["ann 2"]
    assert await titles(bob, "?completed=true") == []
    assert await titles(bob, "?category=home") == ["bob 1"]


async def test_pages_walk_only_the_callers_todos(ann: User, bob: User) -> None:
    for n in range(5):
        await add(ann, f"ann {n}")
        await add(bob, f"bob {n}")

    seen, url = [], "/api/todos?limit=2"
    while url:
        response = await ann.api.get(url)
        seen += [todo["title"] for todo in response.json()]
        url = response.links.get("next", {}).get("url", "")
    assert seen == [f"ann {n}" for n in range(5)]


async def test_another_users_todo_is_404_for_every_method(ann: User, bob: User) -> None:
    todo = await add(ann, "private")
    url = f"/api/todos/{todo['id']}"

    assert_problem(await bob.api.get(url), 404)
    assert_problem(await bob.api.patch(url, json={"title": "taken"}), 404)
    assert_problem(await bob.api.patch(url, json={}), 404)
    assert_problem(
        await bob.api.patch(url, json={"completed": True}, headers={"If-Match": "*"}), 404
    )
    assert_problem(await bob.api.delete(url), 404)
    assert_problem(await bob.api.delete(url, headers={"If-Match": '"v1"'}), 404)
    # Untouched; and Bob's 404 reads as for an id no one has.
    assert (await ann.api.get(url)).json() == todo
    nobody = (await bob.api.get("/api/todos/999999")).json()
    hidden = (await bob.api.get(url)).json()
    assert hidden == {**nobody, "detail": nobody["detail"].replace("999999", str(todo["id"]))}


async def test_bulk_deletes_count_and_clear_only_the_callers(ann: User, bob: User) -> None:
    await add(ann, "ann open")
    await add(ann, "ann done", completed=True)
    await add(bob, "bob done", completed=True)
    await add(bob, "bob open")

    cleared = await ann.api.delete("/api/todos?completed=true")
    assert cleared.json() == {"deleted": 1}
    assert await titles(bob) == ["bob done", "bob open"]
    everything = await bob.api.delete("/api/todos")
    assert everything.json() == {"deleted": 2}
    assert await titles(ann) == ["ann open"]


async def test_categories_count_only_the_callers(ann: User, bob: User) -> None:
    await add(ann, "a", category="work")
    await add(ann, "b", category="work", completed=True)
    await add(bob, "c", category="work")
    await add(bob, "d", category="garden")

    ann_categories = (await ann.api.get("/api/categories")).json()
    bob_categories = (await bob.api.get("/api/categories")).json()
    assert ann_categories == [{"category": "work", "open": 1, "completed": 1}]
    assert {c["category"]: (c["open"], c["completed"]) for c in bob_categories} == {
        "garden": (1, 0),
        "work": (1, 0),
    }


async def test_cookie_and_token_reach_the_same_list(ann: User) -> None:
    await add(ann, "by token")
    by_cookie = await ann.browser.post("/api/todos", json={"title": "by cookie"})

    assert by_cookie.status_code == 201
    assert await titles(ann) == ["by token", "by cookie"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/todos"),
        ("POST", "/api/todos"),
        ("DELETE", "/api/todos"),
        ("GET", "/api/todos/1"),
        ("PATCH", "/api/todos/1"),
        ("DELETE", "/api/todos/1"),
        ("GET", "/api/categories"),
    ],
)
async def test_without_credentials_everything_is_401(
    anonymous: httpx.AsyncClient, ann: User, method: str, path: str
) -> None:
    await add(ann, "exists")  # todo 1: its existence must not show either
    response = await anonymous.request(method, path, json={"title": "x"})

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="todo-async"'
    assert await titles(ann) == ["exists"]

"""The todo collection and items: create, read, list, change, delete."""

from __future__ import annotations

import asyncio

import httpx

from todo_async.schemas import Todo

JSON = {"content-type": "application/json"}


async def create(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    response = await client.post("/api/todos", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_create_returns_the_todo_with_location_and_etag(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/todos", json={"title": "  Buy milk ", "category": "home"})

    assert response.status_code == 201
    todo = Todo.model_validate(response.json())
    assert todo.title == "Buy milk"
    assert todo.category == "home"
    assert todo.completed is False
    assert todo.order is None
    assert todo.created_at.tzinfo is not None
    assert todo.url == f"http://testserver/api/todos/{todo.id}"
    assert response.headers["location"] == todo.url
    assert response.headers["etag"] == '"v1"'


async def test_get_returns_what_was_stored(client: httpx.AsyncClient) -> None:
    created = await create(client, title="Write report", category="work", completed=True, order=3)

    response = await client.get(f"/api/todos/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"v1"'


async def test_empty_category_means_none(client: httpx.AsyncClient) -> None:
    created = await create(client, title="x", category="   ")
    assert created["category"] is None


async def test_patch_changes_only_the_given_fields(client: httpx.AsyncClient) -> None:
    created = await create(client, title="Draft", category="work", order=5)

    response = await client.patch(f"/api/todos/{created['id']}", json={"completed": True})

    assert response.status_code == 200
    body = response.json()
    assert body["completed"] is True
    assert (body["title"], body["category"], body["order"]) == ("Draft", "work", 5)
    assert body["updated_at"] >= created["updated_at"]
    assert response.headers["etag"] == '"v2"'


async def test_patch_can_clear_category_and_order(client: httpx.AsyncClient) -> None:
    created = await create(client, title="Draft", category="work", order=5)

    response = await client.patch(
        f"/api/todos/{created['id']}", json={"category": None, "order": None, "title": "Final"}
    )

    assert response.json()["category"] is None
    assert response.json()["order"] is None
    assert response.json()["title"] == "Final"


async def test_empty_patch_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await create(client, title="Same")

    response = await client.patch(f"/api/todos/{created['id']}", json={})

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"v1"'


async def test_delete_removes_the_todo(client: httpx.AsyncClient) -> None:
    created = await create(client, title="Gone soon")

    deleted = await client.delete(f"/api/todos/{created['id']}")
    again = await client.get(f"/api/todos/{created['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert again.status_code == 404


async def test_ids_are_not_reused_after_delete(client: httpx.AsyncClient) -> None:
    first = await create(client, title="a")
    await client.delete(f"/api/todos/{first['id']}")

    second = await create(client, title="b")

    assert second["id"] != first["id"]


async def test_missing_todo_is_404_for_every_method(client: httpx.AsyncClient) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"title": "x"}} if method == "PATCH" else {}
        response = await client.request(method, "/api/todos/999", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 404, method
        assert response.headers["content-type"] == "application/problem+json"


async def test_id_beyond_64_bits_is_404_not_an_overflow(client: httpx.AsyncClient) -> None:
    huge = 2**70
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"title": "x"}} if method == "PATCH" else {}
        response = await client.request(method, f"/api/todos/{huge}", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 404, method


async def test_fifty_concurrent_creates_make_fifty_rows(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(client.post("/api/todos", json={"title": f"todo {n}"}) for n in range(50))
    )

    assert [r.status_code for r in responses] == [201] * 50
    listed = (await client.get("/api/todos")).json()
    assert sorted(t["title"] for t in listed) == sorted(f"todo {n}" for n in range(50))
    assert len({t["id"] for t in listed}) == 50

"""DELETE on the collection: clear the completed todos, or everything, in bounded batches."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_todos import create
from todo_async import repository


async def test_delete_completed_removes_only_completed(client: httpx.AsyncClient) -> None:
    await create(client, title="open 1")
    await create(client, title="done 1", completed=True)
    await create(client, title="done 2", completed=True)

    response = await client.delete("/api/todos?completed=true")

    assert response.status_code == 200
    assert response.json() == {"deleted": 2}
    assert [t["title"] for t in (await client.get("/api/todos")).json()] == ["open 1"]


async def test_delete_completed_in_one_category(client: httpx.AsyncClient) -> None:
    await create(client, title="work done", category="work", completed=True)
    await create(client, title="home done", category="home", completed=True)

    response = await client.delete("/api/todos?completed=true&category=work")

    assert response.json() == {"deleted": 1}
    assert [t["title"] for t in (await client.get("/api/todos")).json()] == ["home done"]


async def test_delete_without_filter_deletes_all(client: httpx.AsyncClient) -> None:
    for n in range(5):
        await create(client, title=f"t{n}", completed=n % 2 == 0)

    response = await client.delete("/api/todos")

    assert response.json() == {"deleted": 5}
    assert (await client.get("/api/todos")).json() == []


async def test_batches_add_up_to_every_match(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two full batches, then one that finds nothing left, on either database.
    monkeypatch.setattr(repository, "SQLITE_DELETE_BATCH", 2)
    monkeypatch.setattr(repository, "POSTGRES_DELETE_BATCH", 2)
    for n in range(5):
        await create(client, title=f"t{n}", completed=n != 2)

    response = await client.delete("/api/todos?completed=true")

    assert response.json() == {"deleted": 4}
    assert [t["title"] for t in (await client.get("/api/todos")).json()] == ["t2"]


async def test_delete_when_nothing_matches(client: httpx.AsyncClient) -> None:
    await create(client, title="open")

    response = await client.delete("/api/todos?completed=true")

    assert response.json() == {"deleted": 0}


async def test_delete_rejects_unknown_and_paging_parameters(client: httpx.AsyncClient) -> None:
    await create(client, title="keep me", completed=True)

    for query in ("completed=yes", "limit=1", "done=true"):
        response = await client.delete(f"/api/todos?{query}")
        assert response.status_code == 422, query
    assert len((await client.get("/api/todos")).json()) == 1

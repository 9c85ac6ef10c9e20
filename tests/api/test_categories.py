"""Categories with their open and completed counts."""

from __future__ import annotations

import httpx

from tests.api.test_todos import create


async def test_counts_per_category(client: httpx.AsyncClient) -> None:
    await create(client, title="a", category="work")
    await create(client, title="b", category="work", completed=True)
    await create(client, title="c", category="work", completed=True)
    await create(client, title="d", category="home")
    await create(client, title="e")

    response = await client.get("/api/categories")

    assert response.status_code == 200
    assert response.json() == [
        {"category": "home", "open": 1, "completed": 0},
        {"category": "work", "open": 1, "completed": 2},
        {"category": None, "open": 1, "completed": 0},
    ]


async def test_no_todos_no_categories(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/categories")).json() == []

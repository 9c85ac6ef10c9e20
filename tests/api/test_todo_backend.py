"""The Todo-Backend conventions: a client that knows only the collection URL can do it all."""

from __future__ import annotations

import httpx

ROOT = "/api/todos"


async def test_todo_backend_flow(client: httpx.AsyncClient) -> None:
    # The spec's client starts by clearing the root and expects an empty list.
    assert (await client.delete(ROOT)).is_success
    assert (await client.get(ROOT)).json() == []

    created = (await client.post(ROOT, json={"title": "walk the dog"})).json()
    assert created["title"] == "walk the dog"
    assert created["completed"] is False
    assert [t["title"] for t in (await client.get(ROOT)).json()] == ["walk the dog"]

    # Each todo carries a URL the client follows without building it.
    url = created["url"]
    assert (await client.get(url)).json()["title"] == "walk the dog"

    patched = (await client.patch(url, json={"title": "walk the cat", "completed": True})).json()
    assert (patched["title"], patched["completed"]) == ("walk the cat", True)
    assert (await client.get(url)).json() == patched

    ordered = (await client.post(ROOT, json={"title": "ordered", "order": 523})).json()
    assert ordered["order"] == 523
    reordered = (await client.patch(ordered["url"], json={"order": 95})).json()
    assert reordered["order"] == 95

    assert (await client.delete(url)).is_success
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(ROOT)).is_success
    assert (await client.get(ROOT)).json() == []


async def test_cors_simple_request_allows_any_origin(client: httpx.AsyncClient) -> None:
    response = await client.get(ROOT, headers={"Origin": "https://www.todobackend.com"})

    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"].lower()
    for header in ("etag", "location", "link"):
        assert header in exposed


async def test_cors_preflight_for_json_writes(client: httpx.AsyncClient) -> None:
    for method in ("POST", "PATCH", "DELETE"):
        path = ROOT if method == "POST" else f"{ROOT}/1"
        response = await client.options(
            path,
            headers={
                "Origin": "https://www.todobackend.com",
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "content-type, if-match",
            },
        )
        assert response.status_code == 200, method
        assert response.headers["access-control-allow-origin"] == "*"
        assert method in response.headers["access-control-allow-methods"]
        allowed_headers = response.headers["access-control-allow-headers"].lower()
        assert "content-type" in allowed_headers
        assert "if-match" in allowed_headers

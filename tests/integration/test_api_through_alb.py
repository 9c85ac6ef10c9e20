"""The API's main flow, through the load balancer URL only."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx


def test_create_list_patch_and_delete_completed(alb: httpx.Client) -> None:
    category = f"it-{uuid.uuid4().hex[:8]}"
    created = []
    for title in ("write the harness", "run the tests", "go home"):
        response = alb.post("/api/todos", json={"title": title, "category": category})
        assert response.status_code == 201, response.text
        created.append(response.json())
    assert [todo["title"] for todo in created] == ["write the harness", "run the tests", "go home"]
    assert all(todo["completed"] is False for todo in created)

    listed = alb.get("/api/todos", params={"category": category})
    assert listed.status_code == 200
    assert isinstance(listed.json(), list)
    assert {todo["id"] for todo in listed.json()} == {todo["id"] for todo in created}

    done = created[:2]
    for todo in done:
        patched = alb.patch(f"/api/todos/{todo['id']}", json={"completed": True})
        assert patched.status_code == 200, patched.text
        assert patched.json()["completed"] is True

    cleared = alb.delete("/api/todos", params={"completed": "true", "category": category})
    assert cleared.status_code == 200
    assert cleared.json() == {"deleted": 2}

    remaining = alb.get("/api/todos", params={"category": category}).json()
    assert [todo["title"] for todo in remaining] == ["go home"]
    assert alb.get(f"/api/todos/{done[0]['id']}").status_code == 404

    assert alb.delete(f"/api/todos/{remaining[0]['id']}").status_code == 204


def test_load_balancer_sets_forwarded_headers_like_an_alb(alb: httpx.Client) -> None:
    """The todo's URL is built from the Host the client used and the protocol the load
    balancer saw (a client's own X-Forwarded-Proto is overwritten, as an ALB does)."""
    response = alb.post(
        "/api/todos",
        json={"title": "where am I"},
        headers={"Host": "todo.example.test", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    url = urlsplit(body["url"])
    assert (url.scheme, url.hostname) == ("http", "todo.example.test")
    assert alb.delete(f"/api/todos/{body['id']}").status_code == 204


def test_health_and_readiness_through_the_load_balancer(alb: httpx.Client) -> None:
    assert alb.get("/health").status_code == 200
    assert alb.get("/ready").status_code == 200

"""The API's main flow, through the front door's URL only."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx


def test_create_list_patch_and_delete_completed(api: httpx.Client) -> None:
    category = f"it-{uuid.uuid4().hex[:8]}"
    created = []
    for title in ("write the harness", "run the tests", "go home"):
        response = api.post("/api/todos", json={"title": title, "category": category})
        assert response.status_code == 201, response.text
        created.append(response.json())
    assert [todo["title"] for todo in created] == ["write the harness", "run the tests", "go home"]
    assert all(todo["completed"] is False for todo in created)

    listed = api.get("/api/todos", params={"category": category})
    assert listed.status_code == 200
    assert isinstance(listed.json(), list)
    assert {todo["id"] for todo in listed.json()} == {todo["id"] for todo in created}

    done = created[:2]
    for todo in done:
        patched = api.patch(f"/api/todos/{todo['id']}", json={"completed": True})
        assert patched.status_code == 200, patched.text
        assert patched.json()["completed"] is True

    cleared = api.delete("/api/todos", params={"completed": "true", "category": category})
    assert cleared.status_code == 200
    assert cleared.json() == {"deleted": 2}

    remaining = api.get("/api/todos", params={"category": category}).json()
    assert [todo["title"] for todo in remaining] == ["go home"]
    assert api.get(f"/api/todos/{done[0]['id']}").status_code == 404

    assert api.delete(f"/api/todos/{remaining[0]['id']}").status_code == 204


def test_the_front_door_names_the_viewers_scheme_like_cloudfront(api: httpx.Client) -> None:
    """The todo's URL is built from the Host the viewer used and the scheme the front door
    saw (a viewer's own CloudFront-Forwarded-Proto is overwritten, as CloudFront does)."""
    response = api.post(
        "/api/todos",
        json={"title": "where am I"},
        headers={"Host": "todo.example.test", "CloudFront-Forwarded-Proto": "http"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    url = urlsplit(body["url"])
    assert (url.scheme, url.hostname) == ("https", "todo.example.test")
    assert api.delete(f"/api/todos/{body['id']}").status_code == 204


def test_health_and_readiness_through_the_front_door(api: httpx.Client) -> None:
    assert api.get("/health").status_code == 200
    assert api.get("/ready").status_code == 200

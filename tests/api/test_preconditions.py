"""ETag and If-Match: two clients never silently overwrite each other."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.test_todos import create


async def test_patch_with_current_etag_succeeds(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="a")

    response = await client.patch(
        f"/api/todos/{todo['id']}", json={"title": "b"}, headers={"If-Match": '"v1"'}
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"v2"'


async def test_patch_with_stale_etag_is_412_and_changes_nothing(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="a")
    await client.patch(f"/api/todos/{todo['id']}", json={"title": "b"})

    response = await client.patch(
        f"/api/todos/{todo['id']}", json={"title": "c"}, headers={"If-Match": '"v1"'}
    )

    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/api/todos/{todo['id']}")).json()["title"] == "b"


async def test_if_match_lists_and_star(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="a")
    url = f"/api/todos/{todo['id']}"

    listed = await client.patch(url, json={"order": 1}, headers={"If-Match": '"v9", "v1"'})
    star = await client.patch(url, json={"order": 2}, headers={"If-Match": "*"})
    weak = await client.patch(url, json={"order": 3}, headers={"If-Match": 'W/"v3"'})

    assert listed.status_code == 200
    assert star.status_code == 200
    # If-Match compares strongly: a weak tag never matches.
    assert weak.status_code == 412


async def test_empty_patch_still_checks_if_match(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="a")

    response = await client.patch(f"/api/todos/{todo['id']}", json={}, headers={"If-Match": '"v7"'})

    assert response.status_code == 412


async def test_malformed_if_match_is_400(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="a")

    for header in ("v1", '"v1', '"v1" "v2"'):
        response = await client.patch(
            f"/api/todos/{todo['id']}", json={"title": "b"}, headers={"If-Match": header}
        )
        assert response.status_code == 400, header
        assert response.headers["content-type"] == "application/problem+json"


async def test_delete_with_stale_etag_is_412_and_keeps_the_todo(
    client: httpx.AsyncClient,
) -> None:
    todo = await create(client, title="a")
    await client.patch(f"/api/todos/{todo['id']}", json={"completed": True})

    stale = await client.delete(f"/api/todos/{todo['id']}", headers={"If-Match": '"v1"'})
    current = await client.delete(f"/api/todos/{todo['id']}", headers={"If-Match": '"v2"'})

    assert stale.status_code == 412
    assert current.status_code == 204


async def test_unknown_todo_with_if_match_is_404_not_412(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/api/todos/424242", json={"title": "x"}, headers={"If-Match": '"v1"'}
    )
    assert response.status_code == 404


async def test_two_concurrent_patches_with_one_etag_one_wins(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="shared")
    url = f"/api/todos/{todo['id']}"

    for round_ in range(10):
        etag = (await client.get(url)).headers["etag"]
        first, second = await asyncio.gather(
            client.patch(url, json={"title": f"A{round_}"}, headers={"If-Match": etag}),
            client.patch(url, json={"title": f"B{round_}"}, headers={"If-Match": etag}),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 412], round_
        winner = first if first.status_code == 200 else second
        assert (await client.get(url)).json()["title"] == winner.json()["title"]

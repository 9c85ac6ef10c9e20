"""Every kind of bad input gets its status as problem+json, names the fields, and loses nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.test_todos import create

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def fields(body: dict[str, object]) -> set[str]:
    errors = body["errors"]
    assert isinstance(errors, list)
    return {error["field"] for error in errors}


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    for raw in (b"{", b"", b"{'title': 'x'}", b'{"title": "\\ud800"}', b"\xff\xfe"):
        response = await client.post(
            "/api/todos", content=raw, headers={"content-type": "application/json"}
        )
        assert_problem(response, 400)


async def test_non_json_media_type_is_415(client: httpx.AsyncClient) -> None:
    for content_type in (
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
    ):
        headers = {"content-type": content_type} if content_type else {}
        response = await client.post("/api/todos", content=b'{"title":"x"}', headers=headers)
        assert_problem(response, 415)


async def test_json_with_utf8_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/todos",
        content='{"title":"café"}'.encode(),
        headers={"content-type": "application/json; charset=UTF-8"},
    )
    assert response.status_code == 201
    assert response.json()["title"] == "café"


async def test_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    body = b'{"title": "' + b"x" * (64 * 1024) + b'"}'

    response = await client.post(
        "/api/todos", content=body, headers={"content-type": "application/json"}
    )

    assert_problem(response, 413)


async def test_chunked_body_over_64_kib_is_413_without_reading_it_all(
    client: httpx.AsyncClient,
) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"title": "'
        for _ in range(10_000):
            sent += 1
            yield b"x" * 1024

    response = await client.post(
        "/api/todos", content=endless(), headers={"content-type": "application/json"}
    )

    assert_problem(response, 413)
    assert sent < 100


async def test_invalid_fields_are_422_naming_each(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/todos",
        json={"title": 5, "completed": "true", "order": "1", "colour": "red", "category": []},
    )

    body = assert_problem(response, 422)
    assert fields(body) == {"title", "completed", "order", "colour", "category"}
    assert all(error["location"] == "body" for error in body["errors"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "    "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": "nul\u0000byte"}, "title"),
        ({"title": "x", "category": "c" * 65}, "category"),
        ({"title": "x", "order": 2**53}, "order"),
        ({"title": "x", "order": 1.5}, "order"),
        ({"title": "x", "completed": None}, "completed"),
        ({"title": None}, "title"),
    ],
)
async def test_out_of_range_fields_on_create(
    client: httpx.AsyncClient, payload: dict[str, object], field: str
) -> None:
    body = assert_problem(await client.post("/api/todos", json=payload), 422)
    assert fields(body) == {field}


async def test_title_of_exactly_500_characters_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/todos", json={"title": "x" * 500, "category": "c" * 64})
    assert response.status_code == 201


async def test_body_that_is_not_an_object_is_422(client: httpx.AsyncClient) -> None:
    for raw in (b"[]", b'"title"', b"3", b"null"):
        response = await client.post(
            "/api/todos", content=raw, headers={"content-type": "application/json"}
        )
        assert_problem(response, 422)


async def test_invalid_patch_changes_nothing(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="keep", category="work")

    for payload in (
        {"title": None},
        {"completed": None},
        {"title": ""},
        {"id": 5},
        {"created_at": "2020-01-01"},
        {"order": "first"},
    ):
        response = await client.patch(f"/api/todos/{todo['id']}", json=payload)
        assert_problem(response, 422)
    assert (await client.get(f"/api/todos/{todo['id']}")).json() == todo


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("completed=yes", "completed"),
        ("limit=abc", "limit"),
        ("cursor=!!!", "cursor"),
        ("cursor=WzEsMl0x", "cursor"),
        ("cursor=eyJhIjoxfQ", "cursor"),
        ("cursor=WyJhIiwxXQ", "cursor"),
        ("sort=title", "sort"),
        ("limit=1&limit=2", "limit"),
        (f"category={'c' * 65}", "category"),
    ],
)
async def test_bad_query_parameters_are_422(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    body = assert_problem(await client.get(f"/api/todos?{query}"), 422)
    assert fields(body) == {field}
    assert body["errors"][0]["location"] == "query"  # type: ignore[index]


async def test_unknown_path_is_404(client: httpx.AsyncClient) -> None:
    for path in ("/api/nothing", "/api/todos/abc", "/api/todos/1/extra"):
        assert_problem(await client.get(path), 404)


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    collection = await client.put("/api/todos", json={})
    item = await client.post("/api/todos/1", json={})

    assert_problem(collection, 405)
    assert_problem(item, 405)
    assert set(collection.headers["allow"].split(", ")) >= {"GET", "POST", "DELETE"}
    assert set(item.headers["allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}


async def test_bad_input_loses_nothing(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="precious")

    await client.post("/api/todos", content=b"{", headers={"content-type": "application/json"})
    await client.delete("/api/todos?completed=maybe")
    await client.patch(
        f"/api/todos/{todo['id']}", content=b"[", headers={"content-type": "application/json"}
    )

    assert (await client.get("/api/todos")).json() == [todo]


async def test_pattern_errors_are_told_in_words(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/api/todos", json={"title": "   "}), 422)

    (error,) = body["errors"]  # type: ignore[misc]
    assert error["type"] == "string_pattern_mismatch"
    assert "^" not in error["message"]
    assert "/openapi.json" in error["message"]

"""Export and import through the API: files out and in, all or nothing, never twice."""

from __future__ import annotations

import csv
import dataclasses
import io

import httpx
from asgi_lifespan import LifespanManager

from tests.api.accounts import http_client, new_user
from tests.api.test_bad_input import assert_problem
from tests.api.test_listing import walk
from tests.api.test_todos import create
from todo_async.app import create_app
from todo_async.settings import Settings

TODO_TXT = "(A) Call mom +family due:2026-03-29\nx Water the plants +home\nPlain task\n"


async def import_file(
    client: httpx.AsyncClient, body: str | bytes, media_type: str = "text/plain"
) -> httpx.Response:
    return await client.post(
        "/api/todos/import", content=body, headers={"content-type": media_type}
    )


async def test_the_json_export_is_the_list_as_an_attachment(client: httpx.AsyncClient) -> None:
    await create(client, title="b", due="2026-03-29", category="home", order=2)
    await create(client, title="a", completed=True, order=1)

    response = await client.get("/api/todos/export")
    listed, _ = await walk(client, "/api/todos")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="todos.json"'
    assert response.json() == listed


async def test_an_empty_list_exports_as_an_empty_array(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/todos/export")).json() == []


async def test_the_csv_export_has_a_row_per_todo_in_the_jsons_terms(
    client: httpx.AsyncClient,
) -> None:
    made = await create(client, title="Buy milk, oat", due="2026-03-29", completed=True)

    response = await client.get("/api/todos/export?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="todos.csv"'
    assert rows == [
        {
            "id": str(made["id"]),
            "title": "Buy milk, oat",
            "category": "",
            "completed": "true",
            "order": "",
            "due": "2026-03-29",
            "created_at": made["created_at"],
            "updated_at": made["updated_at"],
        }
    ]


async def test_a_file_imported_twice_adds_its_todos_once(client: httpx.AsyncClient) -> None:
    first = await import_file(client, TODO_TXT)
    second = await import_file(client, TODO_TXT)
    longer = await import_file(client, TODO_TXT + "One more\n")
    listed, _ = await walk(client, "/api/todos")

    assert (first.status_code, first.json()) == (201, {"created": 3, "skipped": 0})
    assert (second.status_code, second.json()) == (200, {"created": 0, "skipped": 3})
    assert (longer.status_code, longer.json()) == (201, {"created": 1, "skipped": 3})
    assert [todo["title"] for todo in listed] == [
        "Call mom",
        "Water the plants",
        "Plain task",
        "One more",
    ]
    assert listed[0]["due"] == "2026-03-29"


async def test_an_export_imported_elsewhere_comes_back_whole(client: httpx.AsyncClient) -> None:
    await create(client, title="a", due="2026-03-29", category="home", order=5, completed=True)
    for format_, media_type in (("json", "application/json"), ("csv", "text/csv")):
        exported = (await client.get(f"/api/todos/export?format={format_}")).content
        await client.delete("/api/todos")

        imported = await import_file(client, exported, media_type)
        [todo] = (await client.get("/api/todos")).json()

        assert imported.json() == {"created": 1, "skipped": 0}
        assert (todo["title"], todo["due"], todo["category"], todo["order"]) == (
            "a",
            "2026-03-29",
            "home",
            5,
        )
        assert todo["completed"] is True


async def test_a_bad_line_imports_nothing_and_is_named(client: httpx.AsyncClient) -> None:
    response = await import_file(
        client, "title,due\nfine,\nalso fine,2026-03-29\nbad,2026-02-30\n", "text/csv"
    )

    problem = assert_problem(response, 422)
    assert problem["line"] == 4
    assert "line 4" in str(problem["detail"])
    assert (await client.get("/api/todos")).json() == []


async def test_a_file_of_an_unknown_type_is_a_415(client: httpx.AsyncClient) -> None:
    assert_problem(await import_file(client, "<todos/>", "application/xml"), 415)


async def test_a_file_over_the_limit_is_a_413(settings: Settings) -> None:
    app = create_app(dataclasses.replace(settings, import_max_bytes=100))
    async with LifespanManager(app), http_client(app) as client:
        response = await import_file(client, "task\n" * 21)
        listed = (await client.get("/api/todos")).json()

    assert_problem(response, 413)
    assert listed == []


async def test_imports_keep_to_the_quota_and_to_each_users_list(
    accounts_settings: Settings,
) -> None:
    app = create_app(dataclasses.replace(accounts_settings, todos_per_user=3))
    async with LifespanManager(app):
        ann, bob = await new_user(app, "ann"), await new_user(app, "bob")
        too_many = await import_file(ann.api, TODO_TXT + "fourth\n")
        fits = await import_file(ann.api, TODO_TXT)
        bobs = await import_file(bob.api, TODO_TXT)
        again = await import_file(ann.api, TODO_TXT)
        past_it = await import_file(ann.api, "fourth\n")
        anns = (await ann.api.get("/api/todos")).json()
        for user in (ann, bob):
            await user.api.aclose()
            await user.browser.aclose()

    assert "room" in str(assert_problem(too_many, 409)["detail"])
    assert fits.json() == {"created": 3, "skipped": 0}
    # Bob's digests are his own: the same file is new to his list.
    assert bobs.json() == {"created": 3, "skipped": 0}
    assert again.json() == {"created": 0, "skipped": 3}
    assert_problem(past_it, 409)
    assert len(anns) == 3

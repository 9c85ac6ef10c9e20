"""What /openapi.json declares is what the validators apply, case by case."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs
import pytest

from tests.api.test_bad_input import assert_problem, fields
from tests.api.test_listing import next_url
from tests.api.test_todos import create
from todo_async.openapi import build_openapi

DOCUMENT = build_openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]


def validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for({**schema, "components": DOCUMENT["components"]})


def parameter(path: str, method: str, name: str) -> dict[str, Any]:
    item = DOCUMENT["paths"][path]
    parameters = item.get("parameters", []) + item[method].get("parameters", [])
    found: dict[str, Any] = next(p for p in parameters if p["name"] == name)
    return found


def accepts(types: list[str] | str, kind: str) -> bool:
    return kind in ([types] if isinstance(types, str) else types)


def nullable(property_schema: dict[str, Any]) -> bool:
    options = property_schema.get("anyOf", [property_schema])
    return any(accepts(option.get("type", []), "null") for option in options)


# --- PATCH: title and completed may be left out, not null; category and order may be null


def test_patch_schema_says_which_fields_may_be_null() -> None:
    properties = SCHEMAS["TodoPatch"]["properties"]

    assert not nullable(properties["title"])
    assert not nullable(properties["completed"])
    assert nullable(properties["category"])
    assert nullable(properties["order"])
    assert "required" not in SCHEMAS["TodoPatch"]


@pytest.mark.parametrize("field", ["title", "completed"])
async def test_patch_with_null_title_or_completed_is_422(
    client: httpx.AsyncClient, field: str
) -> None:
    todo = await create(client, title="a")

    response = await client.patch(f"/api/todos/{todo['id']}", json={field: None})

    assert fields(assert_problem(response, 422)) == {field}


async def test_patch_with_null_category_and_order_clears_them(client: httpx.AsyncClient) -> None:
    todo = await create(client, title="a", category="home", order=3)

    response = await client.patch(
        f"/api/todos/{todo['id']}", json={"category": None, "order": None}
    )

    assert response.status_code == 200, response.text
    assert response.json()["category"] is None
    assert response.json()["order"] is None


# --- order: an integer in JSON Schema's sense, so 13561.0 is one


@pytest.mark.parametrize(("sent", "stored"), [(13561.0, 13561), (1e3, 1000), (-2.0, -2)])
async def test_integral_json_numbers_are_integers(
    client: httpx.AsyncClient, sent: float, stored: int
) -> None:
    order_schema = validator(SCHEMAS["TodoCreate"]["properties"]["order"])
    assert order_schema.is_valid(sent)

    created = await client.post("/api/todos", json={"title": "a", "order": sent})
    patched = await client.patch(created.json()["url"], json={"order": sent})

    assert created.status_code == 201, created.text
    assert created.json()["order"] == stored
    assert patched.status_code == 200, patched.text
    assert patched.json()["order"] == stored


@pytest.mark.parametrize("sent", [1.5, 2.0**53, 1e300])
async def test_fractional_or_out_of_range_numbers_are_not(
    client: httpx.AsyncClient, sent: float
) -> None:
    assert not validator(SCHEMAS["TodoCreate"]["properties"]["order"]).is_valid(sent)

    response = await client.post("/api/todos", json={"title": "a", "order": sent})

    assert fields(assert_problem(response, 422)) == {"order"}


# --- text: the limits and refused characters the schema declares are the ones applied


@pytest.mark.parametrize(
    "title",
    [" " + "x" * 500, "\u3000", "tab\tis fine but not\nnewline", "nul\x00"],
)
async def test_titles_the_schema_refuses_are_refused(client: httpx.AsyncClient, title: str) -> None:
    assert not validator(SCHEMAS["TodoCreate"]["properties"]["title"]).is_valid(title)

    response = await client.post("/api/todos", json={"title": title})

    assert fields(assert_problem(response, 422)) == {"title"}


@pytest.mark.parametrize("title", ["\u2003 x \t", "x" * 500, "tab\tinside", "café"])
async def test_titles_the_schema_admits_are_admitted(client: httpx.AsyncClient, title: str) -> None:
    assert validator(SCHEMAS["TodoCreate"]["properties"]["title"]).is_valid(title)

    response = await client.post("/api/todos", json={"title": title})

    assert response.status_code == 201, response.text
    assert response.json()["title"] == title.strip()


async def test_category_filter_refuses_control_characters(client: httpx.AsyncClient) -> None:
    schema = parameter("/api/todos", "get", "category")["schema"]
    assert not validator(schema).is_valid("a\x00")

    body = assert_problem(await client.get("/api/todos", params={"category": "a\x00"}), 422)

    assert fields(body) == {"category"}


# --- cursor: opaque, and its pattern admits exactly the cursors that work


def test_cursor_is_declared_opaque_with_its_pattern() -> None:
    cursor = parameter("/api/todos", "get", "cursor")

    assert "opaque" in cursor["description"].lower()
    assert cursor["schema"]["pattern"] == "^(?:[A-Za-z0-9_-]{21}[AQgw]|[A-Za-z0-9_-]{32})$"


async def test_issued_cursors_match_the_pattern(client: httpx.AsyncClient) -> None:
    pattern = re.compile(parameter("/api/todos", "get", "cursor")["schema"]["pattern"])
    for index in range(3):
        await create(client, title=f"t{index}", order=-(2**53) + 1 if index else None)

    url = next_url(await client.get("/api/todos?limit=1"))
    assert url is not None
    token = httpx.URL(url).params["cursor"]

    assert pattern.fullmatch(token)


@pytest.mark.parametrize(
    "token", ["AAAAAAAAAAAAAAAAAAAAAA", "_____________________w", "gAAAAAAAAAB__________w"]
)
async def test_every_token_of_that_form_is_a_cursor(client: httpx.AsyncClient, token: str) -> None:
    assert validator(parameter("/api/todos", "get", "cursor")["schema"]).is_valid(token)

    response = await client.get("/api/todos", params={"cursor": token})

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("token", ["AAAAAAAAAAAAAAAAAAAAAB", "WzEsMl0", "A" * 23, ""])
async def test_other_tokens_are_422(client: httpx.AsyncClient, token: str) -> None:
    assert not validator(parameter("/api/todos", "get", "cursor")["schema"]).is_valid(token)

    body = assert_problem(await client.get("/api/todos", params={"cursor": token}), 422)

    assert fields(body) == {"cursor"}


# --- If-Match: entity tags or `*`; anything else, empty included, is 400


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_if_match_declares_its_syntax(method: str) -> None:
    header = validator(parameter("/api/todos/{id}", method, "If-Match")["schema"])

    for valid in ("*", '"v1"', 'W/"v1"', '"v1", "v2"', '"v1",,  "x"', ' "v1" '):
        assert header.is_valid(valid), valid
    for invalid in ("", " ", "v1", '"v1', '"v1" "v2"', "**", '"a b"'):
        assert not header.is_valid(invalid), invalid


@pytest.mark.parametrize("header", ["", " ", "v1", '"v1" "v2"', "*, *"])
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_empty_or_malformed_if_match_is_400_not_412(
    client: httpx.AsyncClient, method: str, header: str
) -> None:
    todo = await create(client, title="a")

    response = await client.request(
        method, f"/api/todos/{todo['id']}", json={"title": "b"}, headers={"If-Match": header}
    )

    assert_problem(response, 400)
    assert (await client.get(f"/api/todos/{todo['id']}")).json() == todo


# --- responses: statuses, content types and headers as documented


def documented_methods(path: str) -> set[str]:
    return {method.upper() for method in DOCUMENT["paths"][path] if method != "parameters"}


@pytest.mark.parametrize("path", list(DOCUMENT["paths"]))
async def test_every_path_answers_other_methods_405_with_allow(
    client: httpx.AsyncClient, path: str
) -> None:
    url = path.replace("{id}", "1")
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - documented_methods(path):
        response = await client.request(method, url)

        assert_problem(response, 405)
        assert set(response.headers["allow"].split(", ")) - {"HEAD"} == documented_methods(path)


@pytest.mark.parametrize("todo_id", ["0", "424242", str(2**63 - 1), str(2**63), "9" * 40])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_ids_are_404(client: httpx.AsyncClient, method: str, todo_id: str) -> None:
    response = await client.request(method, f"/api/todos/{todo_id}", json={"title": "x"})

    assert_problem(response, 404)


def test_every_error_answer_is_documented_as_problem_json() -> None:
    for item in DOCUMENT["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], status


async def test_item_answers_carry_the_documented_headers(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/todos", json={"title": "a"})
    responses = DOCUMENT["paths"]["/api/todos"]["post"]["responses"]["201"]["headers"]
    etag = re.compile(responses["ETag"]["schema"]["pattern"])

    assert etag.fullmatch(created.headers["etag"])
    assert created.headers["location"] == created.json()["url"]
    assert validator(SCHEMAS["Todo"]).is_valid(created.json())


@pytest.mark.parametrize("path", ["/health", "/ready"])
async def test_health_bodies_are_documented(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert validator(SCHEMAS["Status"]).is_valid(response.json())

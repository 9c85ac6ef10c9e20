"""The OpenAPI document covers every endpoint with schemas that resolve."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.routing import Route

from todo_async.app import create_app
from todo_async.settings import Settings


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if "$ref" in node else set()
        for value in node.values():
            found |= refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(refs(item) for item in node)) if node else set()
    return set()


def served_operations(settings: Settings | None = None) -> set[tuple[str, str]]:
    """(path, method) for every API route the app serves (in open mode by default)."""
    operations = set()
    for route in create_app(settings or Settings()).routes:
        if not isinstance(route, Route) or not route.path.startswith(
            ("/api/", "/health", "/ready")
        ):
            continue
        if route.methods:
            methods = route.methods - {"HEAD"}
        else:  # an HTTPEndpoint class: one method per handler it defines
            methods = {
                m.upper() for m in ("get", "post", "patch", "delete") if hasattr(route.endpoint, m)
            }
        path = route.path.replace("{id:row_id}", "{id}")
        operations |= {(path, method) for method in methods}
    return operations


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


async def test_document_describes_every_api_route(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["openapi"].startswith("3.1")
    assert served_operations() == set(operations(document))


async def test_accounts_document_describes_every_api_route(
    anonymous: httpx.AsyncClient, accounts_settings: Settings
) -> None:
    document = (await anonymous.get("/openapi.json")).json()

    assert served_operations(accounts_settings) == set(operations(document))


async def test_open_mode_declares_no_credentials(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert "security" not in document
    assert "securitySchemes" not in document["components"]
    for operation in operations(document).values():
        assert "401" not in operation["responses"]


async def test_accounts_mode_declares_its_credentials_and_answers(
    anonymous: httpx.AsyncClient,
) -> None:
    document = (await anonymous.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    by_key = operations(document)

    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["cookieAuth"] == {
        **schemes["cookieAuth"],
        "type": "apiKey",
        "in": "cookie",
        "name": "todo_session",
    }
    assert document["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    public = {key for key, operation in by_key.items() if operation.get("security") == []}
    assert public == {
        ("/health", "GET"),
        ("/ready", "GET"),
        ("/api/users", "POST"),
        ("/api/session", "POST"),
        ("/api/session", "DELETE"),
    }
    for key, operation in by_key.items():
        if key not in public:
            unauthorized = operation["responses"]["401"]
            assert "WWW-Authenticate" in unauthorized["headers"], key
    sign_in = by_key[("/api/session", "POST")]["responses"]
    assert "Retry-After" in sign_in["429"]["headers"]
    assert "Set-Cookie" in sign_in["200"]["headers"]


async def test_every_reference_resolves(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    for http in (client, anonymous):
        document = (await http.get("/openapi.json")).json()
        schemas = document["components"]["schemas"]

        for ref in refs(document):
            assert ref.startswith("#/components/schemas/")
            assert ref.removeprefix("#/components/schemas/") in schemas, ref


async def test_request_schemas_carry_the_validation_rules(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

    title = schemas["TodoCreate"]["properties"]["title"]
    assert title["maxLength"] == 500
    assert title["minLength"] == 1
    assert schemas["TodoCreate"]["required"] == ["title"]
    assert schemas["TodoCreate"]["additionalProperties"] is False


async def test_links_name_operations_that_exist(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operation_ids = {operation["operationId"] for operation in operations(document).values()}
    links = [
        link
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]

    assert len(operation_ids) == len(served_operations())
    assert links
    for link in links:
        assert link["operationId"] in operation_ids


async def test_account_schemas_carry_the_validation_rules(anonymous: httpx.AsyncClient) -> None:
    schemas = (await anonymous.get("/openapi.json")).json()["components"]["schemas"]

    username = schemas["SignUp"]["properties"]["username"]
    assert (username["minLength"], username["maxLength"]) == (3, 32)
    assert schemas["SignUp"]["properties"]["password"]["minLength"] == 10
    assert set(schemas["NewToken"]["required"]) == {
        "id",
        "name",
        "createdAt",
        "expiresAt",
        "lastUsedAt",
        "token",
    }
    assert schemas["TokenCreate"]["properties"]["expiresInDays"]["maximum"] == 365

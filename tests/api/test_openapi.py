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


def served_operations() -> set[tuple[str, str]]:
    """(path, method) for every API route the app serves."""
    operations = set()
    for route in create_app(Settings()).routes:
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
        path = route.path.replace("{id:int}", "{id}")
        operations |= {(path, method) for method in methods}
    return operations


async def test_document_describes_every_api_route(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert served_operations() == documented


async def test_every_reference_resolves(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
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
    operations = {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
    }
    links = [
        link
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]

    assert len(operations) == len(served_operations())
    assert links
    for link in links:
        assert link["operationId"] in operations

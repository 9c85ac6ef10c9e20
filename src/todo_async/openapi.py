"""The OpenAPI 3.1 document, generated from the schema models the handlers validate with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from todo_async.schemas import (
    CategorySummary,
    Deleted,
    IfMatch,
    ListQuery,
    ProblemDetails,
    Status,
    Todo,
    TodoCreate,
    TodoFilter,
    TodoId,
    TodoPatch,
)

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "Malformed JSON, or an If-Match that is empty or not HTTP's syntax",
        404: "No such todo",
        503: "The database does not answer",
        412: "If-Match does not match the current ETag",
        413: "Body over 64 KiB",
        415: "Body not application/json",
        422: "Invalid fields or query parameters, each named",
    }
    return {
        str(status): {
            "description": reasons[status],
            "content": {PROBLEM: {"schema": _ref(ProblemDetails)}},
        }
        for status in statuses
    }


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    # Each parameter may be left out; none is ever null.
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": field.pop("description", ""),
            "schema": field,
        }
        for name, field in schema["properties"].items()
    ]


def _body(
    model: type[BaseModel], media_types: tuple[str, ...] = ("application/json",)
) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": _ref(model)} for media in media_types}}


ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": TypeAdapter[int](TodoId).json_schema(),
}
IF_MATCH_SCHEMA = TypeAdapter[str](IfMatch).json_schema()
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": IF_MATCH_SCHEMA.pop("description"),
    "schema": IF_MATCH_SCHEMA,
}
ETAG_HEADER = {
    "ETag": {
        "description": "The todo's version, for If-Match",
        "required": True,
        "schema": {"type": "string", "pattern": '^"v[0-9]+"$'},
    }
}
LOCATION_HEADER = {
    "Location": {
        "description": "The new todo's URL",
        "required": True,
        "schema": {"type": "string", "format": "uri"},
    }
}
LINK_HEADER = {
    "Link": {
        "description": 'The next page\'s URL, rel="next"; absent on the last page',
        "required": False,
        "schema": {"type": "string", "pattern": '^<[^>]+>; rel="next"$'},
    }
}


# What a client can do next with a todo it was given: its id, and its ETag for If-Match.
_THIS_TODO = {"id": "$response.body#/id"}
_THIS_VERSION = {**_THIS_TODO, "header.If-Match": "$response.header.ETag"}
ITEM_LINKS = {
    "GetTodo": {"operationId": "getTodo", "parameters": _THIS_TODO},
    "PatchTodo": {"operationId": "patchTodo", "parameters": _THIS_VERSION},
    "DeleteTodo": {"operationId": "deleteTodo", "parameters": _THIS_VERSION},
}


def build_openapi() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [
            (model, "serialization" if model in (Todo, CategorySummary) else "validation")
            for model in (
                Todo,
                TodoCreate,
                TodoPatch,
                CategorySummary,
                Deleted,
                Status,
                ProblemDetails,
            )
        ],
        ref_template=REF,
    )
    todo_response = {
        **_json(_ref(Todo), "The todo"),
        "headers": ETAG_HEADER,
        "links": ITEM_LINKS,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "todo-async", "version": "1.0.0"},
        "paths": {
            "/api/todos": {
                "get": {
                    "operationId": "listTodos",
                    "summary": "List todos in order, a page at a time",
                    "parameters": _query_parameters(ListQuery),
                    "responses": {
                        "200": {
                            **_json({"type": "array", "items": _ref(Todo)}, "A page of todos"),
                            "headers": LINK_HEADER,
                        },
                        **_problems(422),
                    },
                },
                "post": {
                    "operationId": "createTodo",
                    "summary": "Create a todo",
                    "requestBody": _body(TodoCreate),
                    "responses": {
                        "201": {
                            **todo_response,
                            "headers": {**ETAG_HEADER, **LOCATION_HEADER},
                        },
                        **_problems(400, 413, 415, 422),
                    },
                },
                "delete": {
                    "operationId": "deleteTodos",
                    "summary": "Delete all todos, or those matching the filters",
                    "parameters": _query_parameters(TodoFilter),
                    "responses": {"200": _json(_ref(Deleted), "How many went"), **_problems(422)},
                },
            },
            "/api/todos/{id}": {
                "parameters": [ID_PARAMETER],
                "get": {
                    "operationId": "getTodo",
                    "summary": "Read one todo",
                    "responses": {"200": todo_response, **_problems(404)},
                },
                "patch": {
                    "operationId": "patchTodo",
                    "summary": "Change some fields of a todo",
                    "parameters": [IF_MATCH],
                    "requestBody": _body(
                        TodoPatch, ("application/json", "application/merge-patch+json")
                    ),
                    "responses": {"200": todo_response, **_problems(400, 404, 412, 413, 415, 422)},
                },
                "delete": {
                    "operationId": "deleteTodo",
                    "summary": "Delete a todo",
                    "parameters": [IF_MATCH],
                    "responses": {"204": {"description": "Deleted"}, **_problems(400, 404, 412)},
                },
            },
            "/api/categories": {
                "get": {
                    "operationId": "listCategories",
                    "summary": "Categories with their open and completed counts",
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": _ref(CategorySummary)}, "Categories"
                        )
                    },
                },
            },
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness: the process serves",
                    "responses": {"200": _json(_ref(Status), "Serving")},
                }
            },
            "/ready": {
                "get": {
                    "operationId": "ready",
                    "summary": "Readiness: the database answers",
                    "responses": {"200": _json(_ref(Status), "Ready"), **_problems(503)},
                }
            },
        },
        "components": {"schemas": definitions["$defs"]},
    }

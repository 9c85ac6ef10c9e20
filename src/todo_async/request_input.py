"""Reading client input: query parameters and JSON bodies, validated into schema models."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import QueryParams
from starlette.requests import Request

from todo_async.problems import Problem
from todo_async.schemas import TodoId
from todo_async.serving.query_cache import per_query_string

Model = TypeVar("Model", bound=BaseModel)

JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})
# Todos and tokens are rows with the same ids.
_ROW_ID = TypeAdapter[int](TodoId)


class RowIdConvertor(Convertor[int]):
    """`{id:row_id}`: ASCII digits, at most 20 (2**64 has 20), so any id converts cheaply.

    Starlette's `int` convertor takes any number of digits, and int() refuses strings of
    over 4,300 (a 500); a longer path matches no route and is a plain 404.
    """

    regex = "[0-9]{1,20}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("row_id", RowIdConvertor())


def read_row_id(request: Request, missing: Callable[[int], Problem]) -> int:
    """The path's `{id}`; past the range of row ids (the route already refused anything but
    up to 20 digits) it names no row: `missing(id)` is raised."""
    row_id: int = request.path_params["id"]
    try:
        return _ROW_ID.validate_python(row_id)
    except ValidationError:
        raise missing(row_id) from None


def read_query(request: Request, model: type[Model]) -> Model:
    query: Model = _validated_query(model, request.scope["query_string"])
    return query


@per_query_string
def _validated_query(model: type[Model], query_string: bytes) -> Model:
    # Models are not changed once validated, so requests with one query string share one.
    params = QueryParams(query_string)
    repeated = [name for name in dict.fromkeys(params.keys()) if len(params.getlist(name)) > 1]
    if repeated:
        errors = [
            {
                "location": "query",
                "field": name,
                "message": "Given more than once",
                "type": "repeated",
            }
            for name in repeated
        ]
        raise Problem(422, f"Invalid query: {', '.join(repeated)}.", errors=errors)
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        raise Problem.invalid("query", exc) from None


async def read_json(request: Request, model: type[Model], max_bytes: int) -> Model:
    _check_media_type(request.headers.get("content-type"))
    body = await read_capped(request, max_bytes)
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise Problem(400, "The request body is not valid JSON.") from None
        raise Problem.invalid("body", exc) from None


def _check_media_type(content_type: str | None) -> None:
    media_type, *params = (content_type or "").split(";")
    if media_type.strip().lower() not in JSON_MEDIA_TYPES:
        raise Problem(415, "Send the body as application/json.")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise Problem(415, "JSON bodies must be UTF-8.")


async def read_capped(request: Request, max_bytes: int) -> bytes:
    too_large = Problem(413, f"The request body is larger than {max_bytes} bytes.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    # A chunked body has no length up front: stop reading as soon as it passes the cap.
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)

"""Errors as RFC 9457 problem details (application/problem+json), never HTML or a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Literal

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from todo_async.database.failures import StorageFailure
from todo_async.rendering import dumps

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
Location = Literal["body", "query", "header"]
# pydantic's own message quotes the regular expression, which tells a person little.
_MESSAGES = {
    "string_pattern_mismatch": "Not of the form this field takes (its pattern in /openapi.json)",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        # RFC 9457 extension members: where in an imported file the problem is.
        self.extensions = extensions

    @classmethod
    def invalid(cls, location: Location, error: ValidationError) -> Problem:
        """422 naming every field that failed validation."""
        errors = [
            {
                "location": location,
                "field": ".".join(str(part) for part in item["loc"]) or location,
                "message": _MESSAGES.get(item["type"], item["msg"]),
                "type": item["type"],
            }
            for item in error.errors(include_url=False, include_input=False)
        ]
        names = ", ".join(dict.fromkeys(item["field"] for item in errors))
        return cls(422, f"Invalid {location}: {names}.", errors=errors)

    def response(self) -> Response:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = self.errors
        if self.extensions:
            body.update(self.extensions)
        return Response(dumps(body), self.status, headers=self.headers, media_type=MEDIA_TYPE)


async def problem_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return exc.response()


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 (with its Allow header), as problem details."""
    assert isinstance(exc, HTTPException)
    detail = None if exc.detail == HTTPStatus(exc.status_code).phrase else exc.detail
    return Problem(exc.status_code, detail, headers=exc.headers).response()


async def server_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    request_id = request.scope.get("state", {}).get("request_id")
    headers = {"X-Request-ID": request_id} if request_id else None
    return Problem(500, "The server failed to answer this request.", headers=headers).response()


def storage_problem(failure: StorageFailure, retry_after: int) -> Problem:
    """503 or 507 for the database failing: nothing was stored, ask again after a while."""
    return Problem(
        failure.status,
        f"The database {failure.detail}. Try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )

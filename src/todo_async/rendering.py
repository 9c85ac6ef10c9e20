"""JSON rendering shared by every response (pydantic-core's serializer: fast, knows datetimes)."""

from typing import Any

from pydantic_core import to_json
from starlette.responses import Response


def dumps(value: Any) -> bytes:
    return to_json(value)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)

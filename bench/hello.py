"""The ceiling: Starlette's hello world on the same server, at the benchmark's paths.

No database, no validation, one fixed body: what one uvicorn worker answers at most on
this machine, so every other row can be read as a share of it.

    uvicorn bench.hello:app
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

METHODS = ["GET", "POST", "PATCH"]


async def hello(request: Request) -> Response:
    return Response(b'{"hello":"world"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/api/todos", hello, methods=METHODS),
        Route("/api/todos/{id:int}", hello, methods=METHODS),
        Route("/health", hello, methods=["GET"]),
    ]
)

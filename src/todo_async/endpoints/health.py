"""Liveness for the load balancer, readiness with a database round trip."""

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.repository import TodoRepository

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    repository: TodoRepository = request.app.state.repository
    try:
        await asyncio.wait_for(repository.ping(), READY_TIMEOUT_SECONDS)
    except Exception as exc:
        logger.warning("readiness check failed: %r", exc)
        raise Problem(503, "The database does not answer.") from None
    return JSONResponse({"status": "ready"})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
]

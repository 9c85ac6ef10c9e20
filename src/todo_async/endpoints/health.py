"""Liveness for the load balancer, readiness with a database round trip.

Liveness (/health) never asks the database: a load balancer that replaced tasks for a
database outage would only add restarts to it. Readiness (/ready) says whether the
database answers now, within a second.
"""

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.database.failures import storage_failure
from todo_async.problems import Problem
from todo_async.rendering import JSONResponse
from todo_async.repository import TodoRepository

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 1.0


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    repository: TodoRepository = request.app.state.repository
    try:
        await asyncio.wait_for(repository.ping(), READY_TIMEOUT_SECONDS)
    except Exception as error:
        if storage_failure(error) is not None:
            raise  # answered 503 and logged as the incident it is part of
        logger.exception("readiness check failed")
        raise Problem(503, "The database does not answer.") from None
    return JSONResponse({"status": "ready"})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
]

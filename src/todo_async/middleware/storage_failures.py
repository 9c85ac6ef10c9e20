"""Storage failures answered where they happen: 503 or 507 with Retry-After, not a 500.

An exception that reaches Starlette's outermost layer is answered 500 and raised again to
uvicorn, which logs a second traceback and closes the client's keep-alive connection. The
database failing (the failure table in `todo_async.database.failures`) is no bug: here it
is answered, counted in the incident log, and goes no further. Any other exception passes
on, to be a 500 with its traceback.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_async.database.failures import storage_failure
from todo_async.database.incidents import Incidents
from todo_async.problems import storage_problem


class StorageFailuresMiddleware:
    def __init__(self, app: ASGIApp, incidents: Incidents, retry_after: int) -> None:
        self.app = app
        self.incidents = incidents
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        except Exception as error:
            failure = storage_failure(error)
            # A response under way cannot be taken back: that one stays an error.
            if failure is None or started:
                raise
            self.incidents.failed(failure, error)
            response = storage_problem(failure, self.retry_after).response()
            await response(scope, receive, send)

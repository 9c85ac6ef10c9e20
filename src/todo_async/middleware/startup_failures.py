"""Start-up failures the service explains itself are reported without a traceback.

Starlette reports any exception from the lifespan with its traceback, which uvicorn logs
at error level. A lock wait that ran out and a stop signal during that wait are already
logged as one line that says what happened; the traceback under it would only bury that
line in the stream operators read. Any other failure keeps its traceback.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_async.database.startup import LockWaitExpired
from todo_async.stop_signals import Interrupted

EXPLAINED = (LockWaitExpired, Interrupted)


class StartupFailuresMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        # Starlette sends the failure, then raises: hold it until the exception says why.
        held: list[Message] = []

        async def hold_startup_failure(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                held.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, receive, hold_startup_failure)
        except EXPLAINED:
            held[:] = [{**message, "message": ""} for message in held]
            raise
        finally:
            for message in held:
                await send(message)

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import Message

from todo_async.database.startup import LockWaitExpired
from todo_async.middleware.startup_failures import StartupFailuresMiddleware
from todo_async.stop_signals import Interrupted


def failing_app(error: Exception) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise error
        yield

    return Starlette(middleware=[Middleware(StartupFailuresMiddleware)], lifespan=lifespan)


async def start_up(app: Starlette) -> tuple[list[Message], BaseException | None]:
    """Run the lifespan protocol's start-up as a server does; what the app sent and raised."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    except Exception as error:
        return sent, error
    return sent, None


@pytest.mark.parametrize(
    "error",
    [LockWaitExpired("gave up after 2 s waiting for a lock"), Interrupted("SIGTERM while waiting")],
)
async def test_an_explained_failure_is_reported_without_a_traceback(error: Exception) -> None:
    sent, raised = await start_up(failing_app(error))

    assert sent == [{"type": "lifespan.startup.failed", "message": ""}]
    assert raised is error


async def test_any_other_failure_keeps_its_traceback() -> None:
    sent, raised = await start_up(failing_app(RuntimeError("a bug")))

    assert [message["type"] for message in sent] == ["lifespan.startup.failed"]
    assert sent[0]["message"].startswith("Traceback (most recent call last)")
    assert "RuntimeError: a bug" in sent[0]["message"]
    assert isinstance(raised, RuntimeError)

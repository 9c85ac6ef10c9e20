"""A stop signal ends a wait inside `interruptible`, and still reaches the server's handler."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from todo_async.stop_signals import Interrupted, interruptible


class Server:
    """Stands where uvicorn's Server is: its handler notes the signal."""

    def __init__(self) -> None:
        self.should_exit = False
        self.seen: list[int] = []

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.seen.append(sig)
        self.should_exit = True


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server()
    before = signal.signal(signal.SIGTERM, server.handle_exit)
    yield server
    signal.signal(signal.SIGTERM, before)


async def test_sigterm_ends_the_wait_and_reaches_the_server(server: Server) -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, os.kill, os.getpid(), signal.SIGTERM)
    with (
        pytest.raises(Interrupted, match="SIGTERM while waiting for a lock"),
        interruptible("waiting for a lock"),
    ):
        await asyncio.sleep(30)

    assert server.seen == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) == server.handle_exit
    # The task is no longer marked as being cancelled: it goes on to clean up.
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


async def test_a_stop_noted_before_the_wait_ends_it_at_once(server: Server) -> None:
    server.should_exit = True
    with pytest.raises(Interrupted, match="stop requested before"), interruptible("waiting"):
        await asyncio.sleep(30)


async def test_a_cancel_from_elsewhere_stays_a_cancel(server: Server) -> None:
    async def wait() -> None:
        with interruptible("waiting"):
            await asyncio.sleep(30)

    task = asyncio.create_task(wait())
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert signal.getsignal(signal.SIGTERM) == server.handle_exit

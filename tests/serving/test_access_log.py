"""The access log: the lines of one event-loop turn go out as one record."""

from __future__ import annotations

import asyncio
import logging

import pytest

from todo_async.serving.access_log import access_lines as pending_lines


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "todo_async.access"]


async def test_the_lines_of_one_loop_turn_are_one_record(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="todo_async.access"):
        pending_lines.add(b'{"n":1}')
        pending_lines.add(b'{"n":2}')
        assert messages(caplog) == []
        await asyncio.sleep(0)
        pending_lines.add(b'{"n":3}')
        await asyncio.sleep(0)

    assert messages(caplog) == ['{"n":1}\n{"n":2}', '{"n":3}']


def test_lines_a_stopped_loop_left_behind_go_out_with_the_next_loops(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def log(line: bytes) -> None:
        pending_lines.add(line)

    async def log_then_stop(line: bytes) -> None:
        pending_lines.add(line)
        # The loop stops at the end of this turn, before the flush that follows it.
        asyncio.get_running_loop().stop()

    with caplog.at_level(logging.INFO, logger="todo_async.access"):
        loop = asyncio.new_event_loop()
        loop.run_until_complete(log_then_stop(b'{"n":1}'))
        loop.close()
        assert messages(caplog) == []
        asyncio.run(log(b'{"n":2}'))

    assert messages(caplog) == ['{"n":1}', '{"n":2}']

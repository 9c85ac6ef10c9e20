"""The access log's handler: one write per event-loop turn, and nothing lost at the end."""

from __future__ import annotations

import asyncio
import logging

from todo_async.log_handlers import LoopFlushedStreamHandler


class Recorder:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


def handler_logging_to(stream: Recorder) -> tuple[LoopFlushedStreamHandler, logging.Logger]:
    handler = LoopFlushedStreamHandler(stream)
    logger = logging.Logger("test.access", logging.INFO)
    logger.addHandler(handler)
    return handler, logger


async def test_lines_of_one_loop_turn_go_out_in_one_write() -> None:
    stream = Recorder()
    _, logger = handler_logging_to(stream)
    logger.info("one")
    logger.info("two")
    assert stream.writes == []
    await asyncio.sleep(0)
    logger.info("three")
    await asyncio.sleep(0)
    assert stream.writes == ["one\ntwo\n", "three\n"]


def test_without_a_running_loop_each_line_goes_out_at_once() -> None:
    stream = Recorder()
    _, logger = handler_logging_to(stream)
    logger.info("one")
    assert stream.writes == ["one\n"]


async def test_flush_writes_the_lines_still_pending() -> None:
    stream = Recorder()
    handler, logger = handler_logging_to(stream)
    logger.info("last")
    handler.flush()
    assert stream.writes == ["last\n"]

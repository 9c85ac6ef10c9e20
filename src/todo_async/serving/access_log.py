"""The access log written once per event-loop turn, not once per request.

A log record per request (and a write per record) cost more than the rest of a small
request's handling, while a turn under load often finishes several requests. The lines
of one turn go to the access logger as one record, at the end of the turn; the record is
made without `logger.info`'s search of the stack for a caller's file and line, which the
line does not print. The records' thread and process are not looked up either.

Overrides: the logging module's record per call (`RequestLogMiddleware` hands its lines
to `access_lines`), and its lookups of thread and process names for every record
(switched off by `todo-async serve`). The access handler prints the lines as they are:
they are JSON already (`todo_async.logging_config`).
"""

from __future__ import annotations

import asyncio
import atexit
import logging

logger = logging.getLogger("todo_async.access")


class LinesPerTurn:
    """Lines waiting for the end of the loop turn that logged them."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        # The loop whose turn will flush them.
        self._flushing_on: asyncio.AbstractEventLoop | None = None

    def add(self, line: bytes) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._flushing_on:
            # The turn's first line; or lines of a loop that stopped before its turn ended.
            self.flush()
            loop.call_soon(self.flush)
            self._flushing_on = loop
        self._pending.append(line)

    def flush(self) -> None:
        self._flushing_on = None
        lines, self._pending = self._pending, []
        if lines:
            # As logger.info, without its search of the stack for a caller's file and
            # line, which the line does not print and which costs more than the rest.
            message = b"\n".join(lines).decode()
            logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None))


access_lines = LinesPerTurn()
# Lines of a turn the loop did not finish (the process stopping) go out at exit.
atexit.register(access_lines.flush)


def skip_unprinted_record_fields() -> None:
    """No line prints a record's thread or process: stop looking them up for every record
    (the logging module's documented switches; one record per request adds up)."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False

"""A stream handler for the access log that writes once per event-loop turn, not per line.

A write per request line is a write system call per request (the image sets
PYTHONUNBUFFERED, so the stream buffers nothing); on the loop thread each one also hands
the GIL to the database thread and back. Lines logged within one turn of the loop are
kept and go out in one write at its end; without a running loop each line goes out at once.
"""

from __future__ import annotations

import asyncio
import logging


class LoopFlushedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, stream: object = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._pending.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if len(self._pending) == 1:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        # Also what logging.shutdown calls: lines of a turn the loop did not finish go out.
        with self.lock:  # type: ignore[union-attr]
            lines, self._pending = self._pending, []
            if lines:
                try:
                    self.stream.write("".join(lines))
                except Exception:
                    self.handleError(logging.makeLogRecord({"msg": "".join(lines)}))
            super().flush()

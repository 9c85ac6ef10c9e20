"""A stream handler for the access log that writes once per event-loop turn, not per line.

A flush per request line is a write system call per request; on the loop thread it also
hands the GIL to the database thread and back. Lines logged within one turn of the loop
go out together at its end; without a running loop each line is flushed at once.
"""

from __future__ import annotations

import asyncio
import logging


class LoopFlushedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    _flush_scheduled = False

    def flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            super().flush()
            return
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush_now)

    def _flush_now(self) -> None:
        self._flush_scheduled = False
        super().flush()

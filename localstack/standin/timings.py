"""Phase timings: each phase's seconds printed as it ends and appended to a file."""

from __future__ import annotations

import time
from pathlib import Path


class Phases:
    def __init__(self, name: str, record: Path, *, fresh: bool = False) -> None:
        self.name = name
        self.record = record
        record.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            record.write_text("")
        self.started = self.last = time.monotonic()

    def done(self, phase: str) -> None:
        now = time.monotonic()
        self._line(phase, now - self.last)
        self.last = now

    def total(self) -> None:
        self._line("total", time.monotonic() - self.started)

    def _line(self, phase: str, seconds: float) -> None:
        line = f"[{self.name}] {phase:<22} {seconds:5.0f} s"
        print(line, flush=True)
        with self.record.open("a") as record:
            record.write(line + "\n")

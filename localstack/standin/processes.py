"""The PIDs of the long-running processes the stand-in starts (containers, HAProxy), kept on
disk so that `python -m standin local-down` can stop them by PID even if the stand-in itself died.

Each entry records the process's start time too, so a PID the kernel has since reused for
another process is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def _start_time(pid: int) -> str | None:
    """When a live process started (None for no process, or one that has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # fields 3.. of proc_pid_stat(5)
    return None if fields[0] in ("Z", "X") else fields[19]


# How long a live process's command line may read empty: see _command_line.
EXEC_SETTLE_S = 1.0


def recorded_pid(pid_file: Path, *command_parts: bytes) -> int | None:
    """The PID in `pid_file`, if that process still runs a command holding every part."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return None
    command_line = _command_line(pid)
    if command_line is None:
        return None
    return pid if all(part in command_line for part in command_parts) else None


def _command_line(pid: int) -> bytes | None:
    """The live process's command line, None once it has exited. Straight after a start
    (Popen has returned, the exec is still settling) /proc shows it empty for a moment:
    an empty one is read again, for up to EXEC_SETTLE_S."""
    deadline = time.monotonic() + EXEC_SETTLE_S
    while _start_time(pid) is not None:
        try:
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if command_line or time.monotonic() > deadline:
            return command_line
        time.sleep(0.01)
    return None


class ProcessRegistry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _entries(self) -> dict[int, str]:
        if not self.path.exists():
            return {}
        pairs = (line.split() for line in self.path.read_text().splitlines() if line.strip())
        return {int(pid): started for pid, started in pairs}

    def _write(self, entries: dict[int, str]) -> None:
        self.path.write_text("".join(f"{pid} {started}\n" for pid, started in entries.items()))

    def add(self, pid: int) -> None:
        started = _start_time(pid)
        if started is not None:
            self._write({**self._entries(), pid: started})

    def remove(self, pid: int) -> None:
        entries = self._entries()
        if entries.pop(pid, None) is not None:
            self._write(entries)

    def survivors(self) -> list[int]:
        return [pid for pid, started in self._entries().items() if _start_time(pid) == started]

    def stop_survivors(self, grace: float = 10) -> list[int]:
        """SIGTERM each surviving process's group (each was started as a session leader),
        then SIGKILL what is left after `grace` seconds."""
        survivors = self.survivors()
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.survivors() and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in self.survivors():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self.path.unlink(missing_ok=True)
        return survivors

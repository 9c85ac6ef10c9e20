"""Processes stopped by their own PID: a child we hold (`stop`), one whose PID was recorded in
a file by an earlier run (`recorded_pid`, `stop_recorded`), and a registry of the
long-running processes a tool starts (`ProcessRegistry`), kept on disk so that a later
command (`python -m standin local-down`) can stop them even if their starter died.

Each registry entry records the process's start time too, so a PID the kernel has since
reused for another process is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def stop(process: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Ask the process to stop with `sig`; kill it if it has not exited within `timeout` s."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _start_time(pid: int) -> str | None:
    """When a live process started (None for no process, or one that has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # fields 3.. of proc_pid_stat(5)
    return None if fields[0] in ("Z", "X") else fields[19]


# How long a SIGKILLed process may take to be gone from /proc.
KILL_SETTLE_S = 10.0
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


def stop_recorded(pid: int, running: Callable[[], int | None], timeout: float) -> bool:
    """SIGTERM `pid` (not our child: started by an earlier run), wait up to `timeout` s while
    `running()` still finds it, then SIGKILL it and wait for it to go. Whether it was killed."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running() is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    if running() is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + KILL_SETTLE_S
    while running() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    return True


class ProcessRegistry:
    """The PIDs (with their start times) of the processes a tool started, in one file."""

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

"""Hold a database file's write lock from another process: SQLite's own, as a writer
outside the service would, or the service's (`todo_async.database.write_lock`), as another
worker would."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# Each takes its write lock, says so, and keeps it until its stdin closes.
SQLITE_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()
"""
SERVICE_HOLDER = """
import sys
from todo_async.database.write_lock import WriteLock
WriteLock(sys.argv[1] + "-writer.lock").acquire(timeout_s=10)
print("held", flush=True)
sys.stdin.read()
"""


class WriteLock:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    def release(self) -> None:
        """Let the holder exit (it does at the end of its stdin); its lock goes with it."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@contextlib.contextmanager
def sqlite_write_lock(path: Path, *, service: bool = False) -> Iterator[WriteLock]:
    """SQLite's write lock on the database at `path`; `service`: the service's instead."""
    holder = SERVICE_HOLDER if service else SQLITE_HOLDER
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lock = WriteLock(process)
    try:
        assert process.stdout is not None
        if process.stdout.readline() != "held\n":
            raise RuntimeError(f"could not take the write lock on {path}")
        yield lock
    finally:
        lock.release()

"""One writer at a time across the service's processes, woken in turn, with a bounded wait.

SQLite lets one connection write at a time. A process that finds its write lock taken
waits in SQLite's busy handler, which sleeps (1, 2, 5, 10 ... 100 ms) and tries again: a
waiter sleeps past the moment the lock came free, and can lose it again and again to the
process that holds it. Here every write of the service first takes this lock, a byte of a
file beside the database locked with `lockf`: the kernel wakes a waiter the moment the
holder lets go, and SQLite's own lock is then free, so its busy handler never sleeps
(unless something outside the service writes).

Turns: a lock alone lets the holder take it straight back, before the woken waiter runs.
So a writer takes a gate (byte 0) before the lock (byte 1) and lets the gate go once it
has the lock: a waiter blocked on the lock holds the gate, and the holder, wanting the lock
again, queues at the gate behind it. Two processes writing all the time take turns.

The kernel drops a process's locks when it dies, however it dies. `lockf` cannot wait
with a timeout: a wait runs on a helper thread while the writer waits at most its bound
for the grant; a grant that comes after the writer gave up is let go at once.

Not thread-safe: one thread acquires and releases (the SQLite connection's own).
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import threading

GATE = 0
LOCK = 1


class WriteLockWaitExpired(sqlite3.OperationalError):
    """The write lock stayed with another process past the wait's bound: SQLITE_BUSY, as
    SQLite's own busy timeout ends, and answered alike (503, Retry-After)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.sqlite_errorcode = sqlite3.SQLITE_BUSY
        self.sqlite_errorname = "SQLITE_BUSY"


def _lock(fd: int, byte: int, *, wait: bool) -> bool:
    """Lock one byte; False if it is held elsewhere and `wait` is false."""
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB, 1, byte)
    except OSError as error:
        if wait or error.errno not in (errno.EACCES, errno.EAGAIN):
            raise
        return False
    return True


def _unlock(fd: int, byte: int) -> None:
    fcntl.lockf(fd, fcntl.LOCK_UN, 1, byte)


class WriteLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.held = False
        self._state = threading.Condition()
        # The helper's wait: none, "gate" (gate then lock) or "lock" (the gate is ours).
        self._helper_waits: str | None = None
        self._writer_waits = False
        self._granted = False
        self._closed = False
        self._helper = threading.Thread(target=self._help, name="sqlite-write-lock", daemon=True)
        self._helper.start()

    def acquire(self, timeout_s: float) -> None:
        """Hold the lock, or raise WriteLockWaitExpired after `timeout_s`."""
        assert not self.held, "the write lock is held already"
        with self._state:
            if self._helper_waits is None:
                if not _lock(self._fd, GATE, wait=False):
                    self._helper_waits = "gate"
                elif _lock(self._fd, LOCK, wait=False):
                    _unlock(self._fd, GATE)
                    self.held = True
                    return
                else:
                    self._helper_waits = "lock"
                self._state.notify_all()
            self._writer_waits = True
            granted = self._state.wait_for(lambda: self._granted, timeout_s)
            self._writer_waits = self._granted = False
        if not granted:
            raise WriteLockWaitExpired(
                f"another process held the database's write lock ({self.path}) for more"
                f" than {timeout_s:g} s"
            )
        self.held = True

    def release(self) -> None:
        """Let the lock go, if held."""
        if self.held:
            self.held = False
            _unlock(self._fd, LOCK)

    def _help(self) -> None:
        """Wait for the gate and the lock as asked, and hand the lock to the writer."""
        while True:
            with self._state:
                self._state.wait_for(lambda: self._helper_waits is not None or self._closed)
                if self._closed:
                    return
                waits = self._helper_waits
            if waits == "gate":
                _lock(self._fd, GATE, wait=True)
            _lock(self._fd, LOCK, wait=True)
            _unlock(self._fd, GATE)
            with self._state:
                self._helper_waits = None
                if self._closed:
                    os.close(self._fd)
                    return
                if self._writer_waits:
                    self._granted = True
                    self._state.notify_all()
                else:
                    _unlock(self._fd, LOCK)  # the writer gave up: the next in line goes

    def close(self) -> None:
        with self._state:
            self._closed = True
            self.held = False
            # While the helper waits in the kernel, the file stays open: it closes it.
            if self._helper_waits is None:
                os.close(self._fd)
            self._state.notify_all()

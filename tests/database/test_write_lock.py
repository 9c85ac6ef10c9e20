"""The write lock across processes: bounded waits, turns, and a holder that dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from todo_async.database.failures import LOCK_TIMEOUT, storage_failure
from todo_async.database.transactions import lock_wait_expired
from todo_async.database.write_lock import WriteLock, WriteLockWaitExpired

# Another process's writer: takes the lock at each "acquire" line, lets it go at "release".
WRITER = """
import sys
from todo_async.database.write_lock import WriteLock
lock = WriteLock(sys.argv[1])
for line in sys.stdin:
    if line.strip() == "acquire":
        lock.acquire(timeout_s=10)
    else:
        lock.release()
    print("done", flush=True)
"""


class Writer:
    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def done(self) -> None:
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "done\n"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "todo.db-writer.lock"


@pytest.fixture
def lock(path: Path) -> Iterator[WriteLock]:
    lock = WriteLock(str(path))
    yield lock
    lock.close()


@pytest.fixture
def writer(path: Path) -> Iterator[Writer]:
    writer = Writer(path)
    writer.send("release")  # nothing held yet: only to know it is ready
    writer.done()
    yield writer
    writer.process.kill()
    writer.process.wait()


def test_a_wait_past_its_bound_is_a_lock_timeout(
    lock: WriteLock, writer: Writer, tmp_path: Path
) -> None:
    writer.send("acquire")
    writer.done()
    started = time.monotonic()
    with pytest.raises(WriteLockWaitExpired) as raised:
        lock.acquire(timeout_s=0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    assert not lock.held
    # Answered as SQLite's own busy timeout is: 503 with Retry-After.
    assert lock_wait_expired(raised.value)
    assert storage_failure(raised.value) is LOCK_TIMEOUT


def test_a_grant_after_the_writer_gave_up_goes_to_the_next(lock: WriteLock, writer: Writer) -> None:
    lock.acquire(timeout_s=1)
    writer.send("acquire")  # waits for us
    time.sleep(0.2)
    lock.release()
    writer.done()
    with pytest.raises(WriteLockWaitExpired):
        lock.acquire(timeout_s=0.1)  # our helper waits on, past our bound
    writer.send("release")
    writer.done()
    time.sleep(0.1)  # our helper took the lock for nobody and let it go
    writer.send("acquire")
    writer.done()
    writer.send("release")
    writer.done()
    lock.acquire(timeout_s=1)
    assert lock.held


def test_the_holder_wanting_it_back_queues_behind_a_waiter(lock: WriteLock, writer: Writer) -> None:
    lock.acquire(timeout_s=1)
    writer.send("acquire")
    time.sleep(0.2)  # the writer waits, holding the gate
    lock.release()
    started = time.monotonic()
    # Free again at once, yet ours only after the writer had its turn.
    with pytest.raises(WriteLockWaitExpired):
        lock.acquire(timeout_s=0.3)
    writer.done()
    writer.send("release")
    writer.done()
    lock.acquire(timeout_s=1)
    assert time.monotonic() - started < 2


def test_the_lock_goes_with_a_holder_killed(lock: WriteLock, writer: Writer) -> None:
    writer.send("acquire")
    writer.done()
    writer.process.send_signal(signal.SIGKILL)
    writer.process.wait()
    lock.acquire(timeout_s=1)
    assert lock.held

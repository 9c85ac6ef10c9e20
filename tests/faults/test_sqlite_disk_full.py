"""The filesystem under the SQLite file fills up (a small tmpfs), then grows again, under
writers and a reader on keep-alive connections, through the real server."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testbed.keep_alive import Traffic
from testbed.live_server import LiveServer, live_server
from testbed.tmpfs import Tmpfs, mounted_tmpfs
from tests.faults.checks import SERVER_ENV, check_failure_answers, check_log

WRITERS = 3
FULL_S = 2.0
RECOVERY_BOUND_S = 5.0


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Tmpfs]:
    with mounted_tmpfs(tmp_path / "disk", "2m") as mounted:
        yield mounted


@pytest.fixture
def server(disk: Tmpfs, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(f"sqlite:///{disk.path / 'todo.db'}", tmp_path, env=SERVER_ENV) as running:
        yield running


def writes_and_reads(client: int, n: int) -> tuple[str, str, Any]:
    if client == 0:
        return "GET", "/api/todos?limit=20", None
    return "POST", "/api/todos", {"title": f"w{client}-{n}"}


def test_full_disk_answers_507_to_writes_200_to_reads_and_loses_nothing(
    disk: Tmpfs, server: LiveServer
) -> None:
    traffic = Traffic(server.url)
    traffic.start(1 + WRITERS, writes_and_reads)
    time.sleep(0.5)
    disk.fill()
    filled = time.monotonic()
    time.sleep(FULL_S)
    disk.grow("128m")  # room for what the writers send in the seconds after
    grown = time.monotonic()
    time.sleep(2.0)  # writes after the recovery, past the incident log's settling second
    traffic.stop()

    answers = traffic.answers
    writes = [a for a in answers if a.method == "POST"]
    reads = [a for a in answers if a.method == "GET"]
    failures = check_failure_answers(answers, {507})
    first_write_after = min(a.at for a in writes if a.status == 201 and a.at > grown) - grown
    acknowledged = {a.body["id"]: a.body["title"] for a in writes if a.status == 201}
    with sqlite3.connect(disk.path / "todo.db") as connection:
        stored = dict(connection.execute("SELECT id, title FROM todos").fetchall())
        [(integrity,)] = connection.execute("PRAGMA integrity_check").fetchall()
    lost = {i: title for i, title in acknowledged.items() if stored.get(i) != title}
    print(
        f"\nSQLite disk full {FULL_S:g} s under {WRITERS} writers and a reader: {len(writes)}"
        f" writes ({len(acknowledged)} 201, {len(failures)} 507, Retry-After"
        f" {failures[0].retry_after} s), {len(reads)} reads"
        f" ({sum(a.status == 200 for a in reads)} 200), 500s"
        f" {sum(a.status == 500 for a in answers)}, dropped connections {traffic.dropped};"
        f" first write stored {first_write_after:.2f} s after the disk grew; lost writes"
        f" {len(lost)}; integrity {integrity}"
    )
    assert all(a.status == 200 for a in reads)
    assert any(a.status == 200 for a in reads if filled < a.at < grown), "no read while full"
    assert traffic.dropped == 0
    assert first_write_after <= RECOVERY_BOUND_S
    assert not lost, lost
    assert integrity == "ok"
    check_log(server, "disk full")

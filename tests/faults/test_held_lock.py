"""A lock held elsewhere past the lock or statement timeout, and a pool exhausted by
statements waiting for it: 503 with Retry-After, on keep-alive connections."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testbed.keep_alive import Traffic
from testbed.live_server import LiveServer, live_server
from testbed.postgres import PostgresServer
from testbed.postgres_lock import postgres_table_lock
from testbed.sqlite_lock import sqlite_write_lock
from tests.faults.checks import SERVER_ENV, check_failure_answers, check_log

HELD_S = 2.0
RECOVERY_BOUND_S = 5.0


def readers_and_writers(readers: int) -> Any:
    def request(client: int, n: int) -> tuple[str, str, Any]:
        if client < readers:
            return "GET", "/api/todos?limit=20", None
        return "POST", "/api/todos", {"title": f"w{client}-{n}"}

    return request


def run_fault(
    server: LiveServer, held: contextlib.AbstractContextManager[Any], readers: int, writers: int
) -> tuple[Traffic, float]:
    """Traffic before, while and after the lock is held; seconds from the release to the
    first write stored."""
    traffic = Traffic(server.url)
    traffic.start(readers + writers, readers_and_writers(readers))
    time.sleep(0.3)
    with held:
        time.sleep(HELD_S)
    released = time.monotonic()
    time.sleep(2.0)  # writes after the release, past the incident log's settling second
    traffic.stop()
    stored_at = [a.at for a in traffic.answers if a.method == "POST" and a.status == 201]
    return traffic, min(at for at in stored_at if at > released) - released


def report(name: str, traffic: Traffic, failures: list[Any], recovery: float) -> None:
    answers = traffic.answers
    print(
        f"\n{name}: {len(answers)} answers, {sum(a.status < 300 for a in answers)} 2xx,"
        f" {len(failures)} 503 (Retry-After {failures[0].retry_after} s), 500s"
        f" {sum(a.status == 500 for a in answers)}, dropped connections {traffic.dropped};"
        f" first write stored {recovery:.2f} s after the release"
    )


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[LiveServer]:
    env = {**SERVER_ENV, "DATABASE_LOCK_TIMEOUT": "0.5"}
    with live_server(f"sqlite:///{tmp_path / 'todo.db'}", tmp_path, env=env) as running:
        yield running


# SQLite's own, as a writer outside the service holds it, and the service's, as another
# worker would if it hung: either way a write waits 0.5 s at most.
SQLITE_LOCKS = {"SQLite's": False, "the service's": True}


@pytest.mark.parametrize("lock", SQLITE_LOCKS)
def test_sqlite_write_lock_held_past_the_busy_timeout(
    lock: str, sqlite_server: LiveServer, tmp_path: Path
) -> None:
    held = sqlite_write_lock(tmp_path / "todo.db", service=SQLITE_LOCKS[lock])
    traffic, recovery = run_fault(sqlite_server, held, readers=1, writers=2)
    failures = check_failure_answers(traffic.answers, {503})
    report(f"{lock} write lock held 2 s, busy timeout 0.5 s", traffic, failures, recovery)
    assert all(a.status == 200 for a in traffic.answers if a.method == "GET")
    assert traffic.dropped == 0
    assert recovery <= RECOVERY_BOUND_S
    check_log(sqlite_server, "lock timeout")


TIMEOUTS = {
    "lock timeout": {"DATABASE_LOCK_TIMEOUT": "0.5"},
    "statement timeout": {"DATABASE_LOCK_TIMEOUT": "30", "DATABASE_STATEMENT_TIMEOUT": "0.5"},
}


@pytest.mark.parametrize("kind", TIMEOUTS)
def test_postgres_table_lock_held_past_the_timeout(
    kind: str, postgres: PostgresServer, postgres_database: str, tmp_path: Path
) -> None:
    env = {**SERVER_ENV, **TIMEOUTS[kind]}
    with live_server(postgres.url_for(postgres_database), tmp_path, env=env) as server:
        # EXCLUSIVE: reads go on, every write waits.
        held = postgres_table_lock(postgres, postgres_database, "todos", "EXCLUSIVE")
        traffic, recovery = run_fault(server, held, readers=1, writers=2)
        failures = check_failure_answers(traffic.answers, {503})
        report(f"PostgreSQL table lock held 2 s, {kind} 0.5 s", traffic, failures, recovery)
        assert all(a.status == 200 for a in traffic.answers if a.method == "GET")
        assert traffic.dropped == 0
        assert recovery <= RECOVERY_BOUND_S
        check_log(server, kind)


def test_postgres_pool_exhausted_past_the_pool_timeout(
    postgres: PostgresServer, postgres_database: str, tmp_path: Path
) -> None:
    # One pooled connection, held by a write waiting for the table lock (for less than
    # its lock timeout): the reads wait for the pool, and give up after 0.5 s.
    env = {
        **SERVER_ENV,
        "DATABASE_POOL_SIZE": "1",
        "DATABASE_POOL_TIMEOUT": "0.5",
        "DATABASE_LOCK_TIMEOUT": "10",
    }
    with live_server(postgres.url_for(postgres_database), tmp_path, env=env) as server:
        held = postgres_table_lock(postgres, postgres_database, "todos", "EXCLUSIVE")
        traffic, recovery = run_fault(server, held, readers=2, writers=1)
        failures = check_failure_answers(traffic.answers, {503})
        report("PostgreSQL pool of 1 held 2 s, pool timeout 0.5 s", traffic, failures, recovery)
        assert all(a.method == "GET" for a in failures), "a write failed"
        assert traffic.dropped == 0
        assert recovery <= RECOVERY_BOUND_S
        check_log(server, "pool wait")

"""The real server process: durability across SIGKILL (of one worker of two, too),
draining on SIGTERM, start-up while another process holds the database's lock, the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hostkit.ports import free_port
from hostkit.processes import stop
from testbed.in_flight import start_creates
from testbed.live_server import LiveServer, live_server, start_server, wait_healthy
from testbed.sqlite_lock import sqlite_write_lock
from todo_async.database.engine import open_database
from todo_async.database.migrations import MIGRATIONS, migrate
from todo_async.database.tables import schema_migrations
from todo_async.settings import Settings

LATEST = [migration.version for migration in MIGRATIONS]
# The default shutdown timeout: the longest a stop may take.
SHUTDOWN_TIMEOUT = Settings().shutdown_timeout


async def test_acknowledged_writes_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    with live_server(database_url, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            created = [
                (await http.post("/api/todos", json={"title": f"t{n}", "category": "k"})).json()
                for n in range(20)
            ]
            patched = await http.patch(f"/api/todos/{created[0]['id']}", json={"completed": True})
            deleted = await http.delete(f"/api/todos/{created[1]['id']}")
            assert (patched.status_code, deleted.status_code) == (200, 204)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()

    with live_server(database_url, tmp_path) as restarted:
        async with httpx.AsyncClient(base_url=restarted.url) as http:
            stored = (await http.get("/api/todos")).json()

    assert [t["title"] for t in stored] == [f"t{n}" for n in range(20) if n != 1]
    assert stored[0]["completed"] is True


def _workers(supervisor: int) -> list[int]:
    return [
        int(pid)
        for pid in Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    ]


async def test_two_sqlite_workers_write_on_when_one_is_killed_mid_write(tmp_path: Path) -> None:
    with live_server(f"sqlite:///{tmp_path / 'todo.db'}", tmp_path, workers=2) as server:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as http:
            tasks = await start_creates(http, 300)
            os.kill(_workers(server.process.pid)[0], signal.SIGKILL)
            outcomes = await asyncio.gather(*tasks)
        # The write lock went with the killed worker: writes go on, none waits it out.
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            after = [await http.post("/api/todos", json={"title": f"a{n}"}) for n in range(20)]
            stored = {t["title"] for t in (await http.get("/api/todos?limit=1000")).json()}

    assert [response.status_code for response in after] == [201] * 20
    acknowledged = {f"t{n}" for n, outcome in enumerate(outcomes) if outcome == 201}
    assert acknowledged, outcomes
    # Every 201 was stored (a create the killed worker ran may be stored unanswered).
    assert acknowledged | {f"a{n}" for n in range(20)} <= stored


async def test_sigterm_lets_in_flight_requests_finish(database_url: str, tmp_path: Path) -> None:
    with live_server(database_url, tmp_path) as server:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as http:
            tasks = await start_creates(http, 300)
            server.process.send_signal(signal.SIGTERM)
            outcomes = await asyncio.gather(*tasks)
        exit_code = await asyncio.to_thread(server.process.wait, 30)

    statuses = [o for o in outcomes if isinstance(o, int)]
    assert statuses
    assert set(statuses) == {201}, outcomes
    # uvicorn re-raises the signal once it has shut down cleanly.
    assert exit_code in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in server.log()
    # Every 201 was stored, and nothing was stored without its 201.
    with live_server(database_url, tmp_path) as restarted:
        async with httpx.AsyncClient(base_url=restarted.url) as http:
            stored = (await http.get("/api/todos?limit=1000")).json()
    assert len(stored) == len(statuses)


def test_healthcheck_command(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "todo_async", "healthcheck", "--timeout", "2", "--url"]
    with live_server(f"sqlite:///{tmp_path / 'h.db'}", tmp_path) as server:
        healthy = subprocess.run([*command, f"{server.url}/health"], check=False)
    closed = subprocess.run(
        [*command, f"http://127.0.0.1:{free_port()}/health"], check=False, capture_output=True
    )

    assert healthy.returncode == 0
    assert closed.returncode == 1
    assert b"unhealthy" in closed.stderr


def test_healthcheck_probes_the_port_serve_defaults_to(tmp_path: Path) -> None:
    """Without --url it follows PORT, as `serve` does: an image that moves the port with
    PORT keeps a working HEALTHCHECK."""
    command = [sys.executable, "-m", "todo_async", "healthcheck", "--timeout", "2"]
    with live_server(f"sqlite:///{tmp_path / 'h.db'}", tmp_path) as server:
        port = server.url.rsplit(":", 1)[1]
        on_port = subprocess.run(command, env={**os.environ, "PORT": port}, check=False)
        elsewhere = subprocess.run(
            command, env={**os.environ, "PORT": str(free_port())}, check=False, capture_output=True
        )

    assert on_port.returncode == 0
    assert elsewhere.returncode == 1


def test_every_log_line_is_one_json_object(tmp_path: Path) -> None:
    """Start-up, requests, a protocol error and shut-down, on stdout and stderr alike."""
    with live_server(f"sqlite:///{tmp_path / 'l.db'}", tmp_path) as server:
        httpx.get(f"{server.url}/api/todos/404", timeout=5)
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(b"not http\r\n\r\n")
            raw.recv(1024)
        stop(server.process)
        lines = server.records()

    assert all(isinstance(line, dict) for line in lines)
    messages = [line.get("message", "") for line in lines]
    assert any("Application startup complete" in m for m in messages)
    assert any("Invalid HTTP request" in m for m in messages)
    assert any("Finished server process" in m for m in messages)
    assert any(line.get("path") == "/api/todos/404" for line in lines)


async def test_several_workers_share_one_sqlite_file(tmp_path: Path) -> None:
    with live_server(f"sqlite:///{tmp_path / 'w.db'}", tmp_path, workers=2) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            responses = await asyncio.gather(
                *(http.post("/api/todos", json={"title": f"t{n}"}) for n in range(100))
            )
            stored = (await http.get("/api/todos?limit=1000")).json()

    assert {r.status_code for r in responses} == {201}
    assert len(stored) == 100


async def migrated_file(path: Path) -> str:
    """A migrated database file: in WAL mode, so only migrating's BEGIN meets the lock."""
    url = f"sqlite:///{path}"
    async with open_database(Settings(database_url=url)) as database:
        await migrate(database)
    return url


async def stored_versions(url: str) -> list[int]:
    async with open_database(Settings(database_url=url)) as database:
        rows = await database.fetch_all(select(schema_migrations.c.version))
    return [row[0] for row in rows]


def wait_for_log(server: LiveServer, text: str, times: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while server.log().count(text) < times:
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"not {times} x {text!r} in the log:\n{server.log()}")
        time.sleep(0.05)


@pytest.mark.parametrize("workers", [1, 2])
async def test_start_up_waits_for_a_held_lock_then_serves(tmp_path: Path, workers: int) -> None:
    path = tmp_path / "locked.db"
    url = await migrated_file(path)
    with sqlite_write_lock(path) as lock:
        server = start_server(url, tmp_path, workers=workers)
        try:
            wait_for_log(server, f"waiting for the SQLite write lock on {path}")
            await asyncio.sleep(2)
            assert server.process.poll() is None
            lock.release()
            wait_healthy(server.url, server.process)
            async with httpx.AsyncClient(base_url=server.url) as http:
                created = await http.post("/api/todos", json={"title": "after the wait"})
            assert created.status_code == 201
        finally:
            stop(server.process)


@pytest.mark.parametrize("workers", [1, 2])
async def test_start_up_gives_up_after_the_bound(tmp_path: Path, workers: int) -> None:
    path = tmp_path / "locked.db"
    url = await migrated_file(path)
    with sqlite_write_lock(path):
        server = start_server(url, tmp_path, {"MIGRATION_LOCK_TIMEOUT": "2"}, workers=workers)
        try:
            exit_code = await asyncio.to_thread(server.process.wait, 60)
        finally:
            stop(server.process)

    assert exit_code == 3  # uvicorn's "start-up failed"
    failures = [m for m in server.messages("error") if m.startswith("start-up failed")]
    expected = f"start-up failed: gave up after 2 s waiting for the SQLite write lock on {path}"
    # One line per worker that got that far: the first failure stops the others.
    assert 1 <= len(failures) <= workers, server.log()
    assert all(message == f"{expected}, held by another process" for message in failures)
    assert "Traceback" not in server.log()


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_stops_a_start_up_that_waits_for_the_lock(
    tmp_path: Path, workers: int
) -> None:
    path = tmp_path / "locked.db"
    url = await migrated_file(path)
    with sqlite_write_lock(path):
        server = start_server(url, tmp_path, workers=workers)
        try:
            wait_for_log(server, "waiting for the SQLite write lock")
            server.process.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            exit_code = await asyncio.to_thread(server.process.wait, SHUTDOWN_TIMEOUT)
            took = time.monotonic() - sent
            print(f"{workers} worker(s): exited {exit_code} {took:.2f} s after SIGTERM")
        finally:
            stop(server.process)

    # One worker: its start-up fails (3). Several: the supervisor was asked to stop (0).
    assert exit_code == (3 if workers == 1 else 0)
    assert "SIGTERM received while waiting for the database at start-up" in server.log()
    assert "Traceback" not in server.log()


@pytest.mark.parametrize(("processes", "workers"), [(1, 2), (4, 1)])
async def test_servers_starting_together_apply_each_migration_once(
    tmp_path: Path, processes: int, workers: int
) -> None:
    path = tmp_path / "new.db"
    url = f"sqlite:///{path}"
    # Held while they start, so that all of them meet at the lock.
    with sqlite_write_lock(path) as lock:
        servers = [start_server(url, tmp_path, workers=workers) for _ in range(processes)]
        try:
            for server in servers:
                wait_for_log(server, "waiting for the SQLite write lock")
            lock.release()
            for server in servers:
                # One worker answering /health says nothing of the other's start-up.
                wait_for_log(server, "Application startup complete", times=workers)
                wait_healthy(server.url, server.process)
        finally:
            for server in servers:
                stop(server.process)

    assert await stored_versions(url) == LATEST
    for server in servers:
        assert server.messages("error") == [], server.log()


async def test_sigterm_at_any_moment_of_start_up_stops_the_server(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    url = await migrated_file(path)
    outcomes = []
    with sqlite_write_lock(path):
        # From before uvicorn handles signals to well into the wait for the lock.
        for delay in (0.1, 0.4, 0.7, 1.0, 1.3, 1.6, 2.0, 2.5):
            server = start_server(url, tmp_path)
            try:
                await asyncio.sleep(delay)
                server.process.send_signal(signal.SIGTERM)
                sent = time.monotonic()
                exit_code = await asyncio.to_thread(server.process.wait, SHUTDOWN_TIMEOUT)
                outcomes.append((delay, exit_code, round(time.monotonic() - sent, 2)))
            finally:
                stop(server.process)
    print("delay, exit status, seconds to exit:", outcomes)
    # Killed by the signal before the app handles it, or a start-up that failed.
    assert {exit_code for _, exit_code, _ in outcomes} <= {-signal.SIGTERM, 3}

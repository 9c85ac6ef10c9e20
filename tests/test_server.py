"""The real server process: durability across SIGKILL, draining on SIGTERM, the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from testbed.live_server import live_server
from testbed.ports import free_port
from testbed.processes import stop


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


async def test_sigterm_lets_in_flight_requests_finish(database_url: str, tmp_path: Path) -> None:
    with live_server(database_url, tmp_path) as server:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as http:

            async def create(n: int) -> int | str:
                try:
                    response = await http.post("/api/todos", json={"title": f"t{n}"})
                except httpx.TransportError as exc:
                    return type(exc).__name__
                return response.status_code

            tasks = [asyncio.create_task(create(n)) for n in range(300)]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
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
        lines = [json.loads(line) for line in server.log().splitlines()]

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

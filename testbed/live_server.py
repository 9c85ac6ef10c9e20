"""Run the real server (`todo-async serve`) as a subprocess on 127.0.0.1 and a free port."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hostkit.ports import free_port
from hostkit.processes import stop

SERVER = [sys.executable, "-m", "todo_async", "serve"]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def records(self) -> list[dict[str, Any]]:
        """The log's lines, each one JSON object."""
        return [json.loads(line) for line in self.log().splitlines()]

    def messages(self, level: str | None = None) -> list[str]:
        """What the server logged (access lines have no message), at `level` if given."""
        return [
            record["message"]
            for record in self.records()
            if "message" in record and level in (None, record["level"])
        ]


def poll_health(
    url: str, exited: Callable[[], str | None], timeout: float, pause: float = 0.05
) -> None:
    """Wait until `url`/health answers 200; `exited` says why the server is gone, if it is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reason = exited()
        if reason is not None:
            raise RuntimeError(f"{reason} before serving")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(pause)
    raise RuntimeError(f"server at {url} not healthy within {timeout} s")


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    def exited() -> str | None:
        code = process.poll()
        return None if code is None else f"server exited with {code}"

    poll_health(url, exited, timeout)


def start_server(
    database_url: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    port: int | None = None,
) -> LiveServer:
    """Start the server on DATABASE_URL and return at once; the caller stops it."""
    port = port or free_port()
    log_path = log_dir / f"server-{port}.log"
    environment = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*SERVER, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return LiveServer(f"http://127.0.0.1:{port}", process, log_path)


@contextlib.contextmanager
def live_server(
    database_url: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    port: int | None = None,
) -> Iterator[LiveServer]:
    """Start the server on DATABASE_URL; on exit, SIGTERM it (SIGKILL if it hangs).

    `port` restarts a server where a client (a browser page) expects it; default: a free one.
    """
    server = start_server(database_url, log_dir, env, workers, port)
    try:
        wait_healthy(server.url, server.process)
        yield server
    finally:
        stop(server.process)

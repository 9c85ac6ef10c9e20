"""The servers under test: how to start each one, pinned to a core, and stop it by its PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from hostkit.ports import free_port
from hostkit.processes import stop
from testbed.live_server import wait_healthy

ROOT = Path(__file__).resolve().parents[1]
# The apps stock uvicorn serves from bench/: the independent floor, the same-technique
# floor, and the hello-world ceiling.
UVICORN_APPS = ("plain", "floor", "hello")


def unwind_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the servers a benchmark started are stopped (by
    default it would end the process at once and leave them running)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@dataclass(frozen=True)
class App:
    """One server: `service` is todo-async itself; the others are what it is measured against."""

    name: str
    kind: str  # service | plain | floor | hello | flask
    workers: int = 1
    # Another checkout's src/ to run the service from: a baseline measured in the same run.
    src: Path | None = None
    # The service's AUTH_MODE: "accounts" makes every request authenticate with a token.
    auth_mode: str = "open"
    # More of the service's settings (DATABASE_POOL_SIZE, LOG_LEVEL...): a variant of it.
    settings: tuple[tuple[str, str], ...] = ()
    # The module the service runs from: `bench.unprepared` is the service with asyncpg's
    # statement cache off.
    module: str = "todo_async"

    def argv(self, port: int) -> list[str]:
        bind = ["--host", "127.0.0.1", "--port", str(port)]
        if self.kind == "service":
            return [
                sys.executable,
                "-m",
                self.module,
                "serve",
                *bind,
                "--workers",
                str(self.workers),
            ]
        if self.kind in UVICORN_APPS:
            return [
                *(sys.executable, "-m", "uvicorn", f"bench.{self.kind}:app", *bind),
                *("--loop", "uvloop", "--http", "httptools", "--no-access-log"),
                *("--log-level", "warning", "--workers", str(self.workers)),
            ]
        return [
            *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(self.workers), "--threads", "8", "--worker-class", "gthread"),
            "bench.seed_app:app",
        ]

    def env(self, database_url: str) -> dict[str, str]:
        # Ahead of the installed package: the baseline's own src/.
        path = os.pathsep.join(str(part) for part in (self.src, ROOT) if part is not None)
        if self.kind != "service":
            return {**os.environ, "BENCH_DATABASE_URL": database_url, "PYTHONPATH": path}
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "AUTH_MODE": self.auth_mode,
            # Creates run for seconds at full speed, as one user: far past a person's quota.
            "TODOS_PER_USER": str(BENCH_TODOS_PER_USER),
            "PYTHONPATH": path,
            **dict(self.settings),
        }


BENCH_TODOS_PER_USER = 10_000_000


@dataclass(frozen=True)
class Running:
    app: App
    url: str
    pid: int


@contextlib.contextmanager
def running(
    app: App, database_url: str, log_dir: Path, pin: Sequence[str] = ()
) -> Iterator[Running]:
    port = free_port()
    with (log_dir / f"{app.name}.log").open("wb") as log:
        process = subprocess.Popen(
            [*pin, *app.argv(port)],
            env=app.env(database_url),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        yield Running(app, url, process.pid)
    finally:
        stop(process)

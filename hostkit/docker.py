"""A Docker engine to talk to: the one running, or one started here and stopped by its PID."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hostkit.processes import stop

SYSTEM_DEPS = Path(__file__).resolve().parent.parent / "scripts" / "system-deps.sh"
READY_TIMEOUT = 60.0
# dockerd stops its containers (each within its own stop timeout) before it exits.
STOP_TIMEOUT = 60.0


class EngineUnavailable(RuntimeError):
    """No Docker engine runs and none could be started; the message says why."""


@dataclass(frozen=True)
class Engine:
    """The `docker` client, pointed at a running engine."""

    client: str

    def run(
        self,
        *args: str,
        timeout: float = 120,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        stdin: IO[bytes] | None = None,
        capture: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """`docker ARGS...`; output captured as text unless `capture` is false."""
        return subprocess.run(
            [self.client, *args],
            timeout=timeout,
            check=check,
            env={**os.environ, **(env or {})},
            stdin=stdin,
            capture_output=capture,
            text=True,
        )

    def has_image(self, reference: str) -> bool:
        return self.run("image", "inspect", reference, check=False).returncode == 0

    def image_size(self, reference: str) -> int:
        return int(self.run("image", "inspect", "--format", "{{.Size}}", reference).stdout)


def answers(client: str) -> bool:
    """Whether a Docker engine answers the client."""
    try:
        probe = subprocess.run(
            [client, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            timeout=15,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


def install() -> None:
    """The Docker engine and client, and debootstrap, from the project's system package list."""
    if all(shutil.which(program) for program in ("docker", "dockerd", "debootstrap")):
        return
    installed = subprocess.run([str(SYSTEM_DEPS), "image"], check=False, timeout=900)
    if installed.returncode != 0:
        raise EngineUnavailable(f"{SYSTEM_DEPS} image could not install the Docker engine")


def start_dockerd(client: str, log_path: Path) -> subprocess.Popen[bytes]:
    """dockerd in its own session (it outlives its starter), once the client gets answers."""
    if os.geteuid() != 0:
        raise EngineUnavailable("no Docker engine is running, and starting dockerd needs root")
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise EngineUnavailable("no Docker engine is running, and dockerd is not installed")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [dockerd], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineUnavailable(f"dockerd exited with {process.returncode}:\n{_tail(log_path)}")
        if answers(client):
            return process
        time.sleep(0.2)
    stop(process, signal.SIGTERM, timeout=STOP_TIMEOUT)
    raise EngineUnavailable(f"dockerd not ready within {READY_TIMEOUT} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def docker_engine() -> Iterator[Engine]:
    """The running engine, or a dockerd started now and stopped (by its PID) on exit."""
    install()
    client = shutil.which("docker")
    if client is None:
        raise EngineUnavailable("no docker client on PATH")
    if answers(client):
        yield Engine(client)
        return
    with tempfile.TemporaryDirectory(prefix="todo-dockerd-") as workdir:
        process = start_dockerd(client, Path(workdir) / "dockerd.log")
        try:
            yield Engine(client)
        finally:
            stop(process, signal.SIGTERM, timeout=STOP_TIMEOUT)

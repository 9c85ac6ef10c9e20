"""A throwaway PostgreSQL server from the installed server binaries.

initdb and postgres refuse to run as root, so as root the server runs as the
`postgres` user in a directory it owns. It listens on 127.0.0.1 and a free port and is
stopped by its own PID.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port


def find_binaries() -> Path | None:
    """The directory holding initdb and postgres, newest version first."""
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str
    pid: int

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextlib.contextmanager
def running_postgres(database: str = "todo") -> Iterator[PostgresServer]:
    bindir = find_binaries()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, postgres) found")
    owner = "postgres" if os.geteuid() == 0 else None
    workdir = Path(tempfile.mkdtemp(prefix="todo-pg-"))
    datadir = workdir / "data"
    if owner:
        shutil.chown(workdir, owner, owner)
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(datadir),
                    "-U",
                    "todo",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                owner,
            ),
            check=True,
            capture_output=True,
        )
        with (workdir / "postgres.log").open("wb") as log:
            process = subprocess.Popen(
                _as_owner(
                    [
                        str(bindir / "postgres"),
                        "-D",
                        str(datadir),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "-k",
                        str(workdir),
                        "-c",
                        "fsync=on",
                        "-c",
                        "max_connections=200",
                    ],
                    owner,
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_ready(bindir, port, process, workdir)
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "todo", database],
            check=True,
            capture_output=True,
        )
        yield PostgresServer("127.0.0.1", port, "todo", database, process.pid)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(bindir: Path, port: int, process: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (workdir / "postgres.log").read_text(errors="replace")
            raise RuntimeError(f"PostgreSQL exited at start-up:\n{log}")
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"],
            check=False,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not become ready within 30 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, then exit.
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

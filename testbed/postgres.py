"""A throwaway PostgreSQL server from the installed server binaries (hostkit.postgres finds
them and the account they run under), in a directory that account owns. It listens on
127.0.0.1 and a free port and is stopped by its PID.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from hostkit.ports import free_port
from hostkit.postgres import RunAs, find_binaries
from hostkit.processes import stop


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str
    pid: int
    bindir: Path

    def url_for(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def psql(self, sql: str) -> None:
        command = [str(self.bindir / "psql"), "-h", self.host, "-p", str(self.port)]
        command += ["-U", self.user, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql]
        subprocess.run(command, check=True, capture_output=True)


@contextlib.contextmanager
def running_postgres(
    database: str = "todo", server_options: Sequence[str] = ()
) -> Iterator[PostgresServer]:
    """A server of its own; `server_options` are more `postgres` arguments (`-c ssl=on`...)."""
    bindir = find_binaries()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, postgres) found")
    run_as = RunAs.postgres()
    workdir = Path(tempfile.mkdtemp(prefix="todo-pg-"))
    datadir = workdir / "data"
    run_as.own(workdir)
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        initdb = [str(bindir / "initdb"), "-D", str(datadir), "-U", "todo", "-A", "trust"]
        initdb += ["-E", "UTF8", "--no-sync"]
        subprocess.run(initdb, check=True, capture_output=True, **run_as.popen_kwargs())
        server = [str(bindir / "postgres"), "-D", str(datadir), "-h", "127.0.0.1"]
        server += ["-p", str(port), "-k", str(workdir), "-c", "max_connections=200"]
        server += server_options
        with (workdir / "postgres.log").open("wb") as log:
            process = subprocess.Popen(
                server,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **run_as.popen_kwargs(),
            )
        _wait_ready(bindir, port, process, workdir)
        running = PostgresServer("127.0.0.1", port, "todo", database, process.pid, bindir)
        running.psql(f"CREATE DATABASE {database}")
        yield running
    finally:
        if process is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, then exit.
            stop(process, signal.SIGINT, timeout=15)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(bindir: Path, port: int, process: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (workdir / "postgres.log").read_text(errors="replace")
            raise RuntimeError(f"PostgreSQL exited at start-up:\n{log}")
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not become ready within 30 s")

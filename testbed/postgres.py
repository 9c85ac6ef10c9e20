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


class PostgresProcess:
    """The server process on one data directory and port: stopped and started again there,
    as a database server restarts (a reboot, a failover) under its clients."""

    def __init__(
        self,
        bindir: Path,
        workdir: Path,
        port: int,
        run_as: RunAs,
        options: Sequence[str] = (),
    ) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.port = port
        self.run_as = run_as
        self.options = options
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "not running"
        return self._process.pid

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        server = [str(self.bindir / "postgres"), "-D", str(self.workdir / "data")]
        server += ["-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.workdir)]
        server += ["-c", "max_connections=200", *self.options]
        with (self.workdir / "postgres.log").open("ab") as log:
            self._process = subprocess.Popen(
                server,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self.run_as.popen_kwargs(),
            )
        _wait_ready(self.bindir, self.port, self._process, self.workdir)

    def stop(self) -> None:
        """SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, then exit."""
        if self._process is not None:
            stop(self._process, signal.SIGINT, timeout=15)
            self._process = None


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str
    bindir: Path
    process: PostgresProcess

    @property
    def pid(self) -> int:
        return self.process.pid

    def url_for(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def psql(self, sql: str, database: str = "postgres") -> str:
        command = [str(self.bindir / "psql"), "-h", self.host, "-p", str(self.port)]
        command += ["-U", self.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout


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
    run_as.own(workdir)
    process = PostgresProcess(bindir, workdir, free_port(), run_as, server_options)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(workdir / "data"), "-U", "todo", "-A", "trust"]
        initdb += ["-E", "UTF8", "--no-sync"]
        subprocess.run(initdb, check=True, capture_output=True, **run_as.popen_kwargs())
        process.start()
        running = PostgresServer("127.0.0.1", process.port, "todo", database, bindir, process)
        running.psql(f"CREATE DATABASE {database}")
        yield running
    finally:
        process.stop()
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

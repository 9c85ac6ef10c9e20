"""PostgreSQL inside a task's network namespace, as the sidecar `db` container runs beside
`app`: reachable on localhost:5432 from the task's containers only, with password auth.

No PostgreSQL image can be pulled here: the server is the machine's own PostgreSQL binaries,
entered into the namespace with nsenter as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from infra.database import DB_NAME, DB_PORT, DB_USER
from testbed.postgres import find_binaries
from testbed.processes import stop


@contextlib.contextmanager
def sidecar_postgres(namespace_pid: int, password: str) -> Iterator[None]:
    """PostgreSQL on 127.0.0.1:DB_PORT in the network namespace of process `namespace_pid`;
    user DB_USER with `password` (scram-sha-256), database DB_NAME."""
    bindir = find_binaries()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, postgres) found")
    owner = pwd.getpwnam("postgres")
    enter = ["nsenter", f"--net=/proc/{namespace_pid}/ns/net"]
    enter += ["--setuid", str(owner.pw_uid), "--setgid", str(owner.pw_gid), "--"]
    workdir = Path(tempfile.mkdtemp(prefix="todo-sidecar-"))
    os.chown(workdir, owner.pw_uid, owner.pw_gid)
    password_file = workdir / "password"
    password_file.write_text(password)
    os.chown(password_file, owner.pw_uid, owner.pw_gid)
    datadir = workdir / "data"
    process: subprocess.Popen[bytes] | None = None
    try:
        initdb = [str(bindir / "initdb"), "-D", str(datadir), "-U", DB_USER, "-E", "UTF8"]
        initdb += ["--auth=scram-sha-256", f"--pwfile={password_file}", "--no-sync"]
        subprocess.run([*enter, *initdb], check=True, capture_output=True, timeout=60)
        server = [str(bindir / "postgres"), "-D", str(datadir), "-h", "127.0.0.1"]
        server += ["-p", str(DB_PORT), "-k", str(workdir)]
        with (workdir / "postgres.log").open("wb") as log:
            process = subprocess.Popen(
                [*enter, *server], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        client = {**os.environ, "PGPASSWORD": password}
        psql = [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(DB_PORT), "-U", DB_USER]
        _wait_ready([*enter, *psql, "-d", "postgres", "-c", "SELECT 1"], client, process)
        create = [*enter, *psql, "-d", "postgres", "-c", f"CREATE DATABASE {DB_NAME}"]
        subprocess.run(create, env=client, check=True, capture_output=True, timeout=30)
        yield
    finally:
        if process is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, then exit.
            stop(process, signal.SIGINT, timeout=15)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(probe: list[str], env: dict[str, str], server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited at start-up with {server.returncode}")
        if subprocess.run(probe, env=env, capture_output=True, timeout=10).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not become ready within 30 s")

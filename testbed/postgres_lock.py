"""Hold a PostgreSQL table lock from another session, as a long transaction would."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator

from testbed.postgres import PostgresServer


@contextlib.contextmanager
def postgres_table_lock(
    server: PostgresServer, database: str, table: str, mode: str
) -> Iterator[None]:
    """`LOCK TABLE table IN mode MODE` in a psql session, held until the block ends (psql
    exits at the end of its input; its transaction and lock go with it)."""
    command = [str(server.bindir / "psql"), "-h", server.host, "-p", str(server.port)]
    command += ["-U", server.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(f"BEGIN;\nLOCK TABLE {table} IN {mode} MODE;\nSELECT 'held';\n")
        process.stdin.flush()
        if process.stdout.readline() != "held\n":
            raise RuntimeError(f"could not lock {table} in {database}")
        yield
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

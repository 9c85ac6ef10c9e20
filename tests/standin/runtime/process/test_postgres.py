"""The PostgreSQL runner initialising and serving a real server as the postgres image does."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from standin.aws.awslogs import CloudWatchLogs
from standin.errors import HarnessError
from standin.runtime.network import Remap
from standin.runtime.process.container import Container, Placement
from standin.runtime.process.postgres import PostgresRunner, postgres_bindir

from hostkit.ports import free_port
from hostkit.processes import ProcessRegistry
from tests.standin.fakes import container_spec
from tests.standin.pg_ready import accepting_connections


def container(tmp_path: Path, runner: PostgresRunner, remap: Remap, **spec: object) -> Container:
    placement = Placement(
        "task1", remap, tmp_path / "root", {"/data": tmp_path / "volume"}, tmp_path / "c.log"
    )
    return Container(
        container_spec(**spec),
        runner,
        placement,
        logs=CloudWatchLogs(client=None),
        processes=ProcessRegistry(tmp_path / "processes"),
    )


def test_postgres_bindir_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nor one on PATH
    with pytest.raises(HarnessError, match="no PostgreSQL server under"):
        postgres_bindir(tmp_path)


@pytest.fixture
async def serving(reachable_dir: Path, request: pytest.FixtureRequest) -> AsyncIterator[int]:
    """A PostgreSQL container (TLS-only when the test is parametrized with True): its port."""
    tls = getattr(request, "param", False)
    tmp_path = reachable_dir
    port = free_port()
    environment = {
        "POSTGRES_USER": "todo",
        "POSTGRES_PASSWORD": "s3cret",
        "POSTGRES_DB": "todos",
        "PGDATA": "/data/pgdata",
    }
    server = container(
        tmp_path,
        PostgresRunner(tls=tls),
        Remap(task_ports={5432: port}),
        name="db",
        image="postgres:16",
        ports=[5432],
        environment=environment,
    )
    await server.start()
    try:
        await accepting_connections(port)
        yield port
    finally:
        await server.stop()
    assert server.exit_code == 0  # SIGINT: PostgreSQL's fast shutdown
    assert (tmp_path / "volume" / "pgdata" / "PG_VERSION").exists()  # data outlives the task


async def test_postgres_runner_initialises_as_the_image_does(serving: int) -> None:
    connection = await asyncpg.connect(
        host="127.0.0.1", port=serving, user="todo", password="s3cret", database="todos", ssl=False
    )
    try:
        assert await connection.fetchval("SELECT current_database()") == "todos"
    finally:
        await connection.close()
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(
            host="127.0.0.1", port=serving, user="todo", password="wrong", database="todos"
        )


@pytest.mark.parametrize("serving", [True], indirect=True)
async def test_postgres_runner_with_tls_refuses_plain_connections(serving: int) -> None:
    arguments = {"host": "127.0.0.1", "port": serving, "user": "todo", "password": "s3cret"}
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        await asyncpg.connect(**arguments, database="todos", ssl=False)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the server's certificate is self-signed
    connection = await asyncpg.connect(**arguments, database="todos", ssl=context)
    try:
        assert await connection.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await connection.close()

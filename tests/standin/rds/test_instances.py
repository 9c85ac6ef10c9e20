"""RDS instances as local servers: an endpoint per instance, the stack that resolves their
attributes to it, and what a newer deployment may change without a new stand-in. Then one
instance served for real: its master user, password and database, TLS only."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from standin.aws.awslogs import CloudWatchLogs
from standin.aws.stack import Stack
from standin.errors import HarnessError
from standin.rds.instances import MAX_DOWN_S, RDS_INSTANCE, ManagedDatabases
from standin.runtime.process.postgres import PostgresRunner

from hostkit.processes import ProcessRegistry
from tests.standin.fakes import empty_stack
from tests.standin.pg_ready import accepting_connections


def with_instances(**instances: dict[str, Any]) -> Stack:
    stack = empty_stack()
    resources = {name: {"Type": RDS_INSTANCE, "Properties": p} for name, p in instances.items()}
    resources["Reader"] = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Value": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}},
    }
    stack.template = {"Resources": resources}
    return stack


DB = {
    "Engine": "postgres",
    "Port": "5432",
    "MasterUsername": "todo",
    "MasterUserPassword": "s3cret",
    "DBName": "todos",
}


def tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # self-signed, as the local instance's is
    return context


def databases(stack: Stack, directory: Path) -> ManagedDatabases:
    return ManagedDatabases(
        stack,
        directory,
        runner=PostgresRunner(tls=True),
        logs=CloudWatchLogs(client=None),
        processes=ProcessRegistry(directory / "processes"),
    )


def test_endpoints_and_the_resolving_stack(reachable_dir: Path) -> None:
    stack = with_instances(Db=DB)
    managed = databases(stack, reachable_dir)
    host = "db.standin.us-east-1.rds.amazonaws.com"
    assert list(managed.endpoints) == [(host, 5432)]
    resolving = managed.resolving(stack)
    assert resolving.resolve({"Fn::GetAtt": ["Db", "Endpoint.Address"]}) == host
    assert resolving.resolve({"Fn::GetAtt": ["Db", "Endpoint.Port"]}) == "5432"
    with pytest.raises(HarnessError, match="has no local value"):
        resolving.resolve({"Fn::GetAtt": ["Db", "Endpoint.Hostname"]})
    with pytest.raises(HarnessError, match="cannot be resolved locally"):
        stack.resolve({"Fn::GetAtt": ["Db", "Endpoint.Address"]})  # the stack as it was


def test_a_newer_deployment_with_the_same_instances_is_adopted(reachable_dir: Path) -> None:
    managed = databases(with_instances(Db=DB), reachable_dir)
    assert managed.adopt(with_instances(Db={**DB, "DBName": "other"})) is not None
    assert managed.adopt(with_instances(Db={**DB, "Port": 5433})) is None
    assert managed.adopt(with_instances(Db=DB, Db2=DB)) is None


def test_other_engines_are_refused(reachable_dir: Path) -> None:
    with pytest.raises(HarnessError, match="engine mysql has no local stand-in"):
        databases(with_instances(Db={**DB, "Engine": "mysql"}), reachable_dir)


async def test_instance_served_with_its_credentials_over_tls_only(reachable_dir: Path) -> None:
    managed = databases(with_instances(Db=DB), reachable_dir)
    await managed.start()
    try:
        (status,) = managed.describe()
        assert status.pid is not None
        await accepting_connections(status.port)
        arguments = {"host": "127.0.0.1", "port": status.port, "user": "todo"}
        with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
            await asyncpg.connect(**arguments, password="s3cret", database="todos", ssl=False)
        connection = await asyncpg.connect(
            **arguments, password="s3cret", database="todos", ssl=tls()
        )
        await connection.close()
    finally:
        await managed.stop()
    assert (reachable_dir / "Db" / "pgdata" / "PG_VERSION").exists()  # kept until local-down


async def listening(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def when_listening(port: int, wanted: bool, within: float) -> float:
    """time.monotonic() once the port is (or is no longer) listening."""
    deadline = time.monotonic() + within
    while await listening(port) != wanted:
        if time.monotonic() > deadline:
            raise AssertionError(f"port {port} listening is not {wanted} within {within} s")
        await asyncio.sleep(0.05)
    return time.monotonic()


async def test_restart_stops_by_fast_shutdown_keeps_the_data_and_port(
    reachable_dir: Path,
) -> None:
    managed = databases(with_instances(Db=DB), reachable_dir)
    await managed.start()
    try:
        (before,) = managed.describe()
        await accepting_connections(before.port)
        arguments = {"host": "127.0.0.1", "port": before.port, "user": "todo", "ssl": tls()}
        connection = await asyncpg.connect(**arguments, password="s3cret", database="todos")
        await connection.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)")

        restart = asyncio.create_task(managed.restart(None, down_for=1.0))
        started = time.monotonic()
        down = await when_listening(before.port, False, within=10)
        # A fast shutdown ends the sessions at once: an open one is closed under it.
        assert connection.is_closed() or await _ended(connection)
        back = await when_listening(before.port, True, within=15)
        await restart
        (after,) = managed.describe()
        with pytest.raises(HarnessError, match="no RDS instance 'Other'"):
            await managed.restart("Other", down_for=1)

        assert down - started < 5
        assert back - down >= 1.0
        assert after.port == before.port
        assert after.pid not in (None, before.pid)
        await accepting_connections(after.port)
        connection = await asyncpg.connect(**arguments, password="s3cret", database="todos")
        assert await connection.fetchval("SELECT n FROM kept") == 1
        await connection.close()
    finally:
        await managed.stop()


async def _ended(connection: asyncpg.Connection) -> bool:
    with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
        await connection.fetchval("SELECT 1")
        return False
    return True


async def test_restart_refuses_without_instances_and_past_its_bound(
    reachable_dir: Path,
) -> None:
    managed = databases(with_instances(Db=DB), reachable_dir)  # not started: none runs
    with pytest.raises(HarnessError, match="has no RDS instance"):
        await managed.restart(None, down_for=1)
    with pytest.raises(HarnessError, match="down 0 to 600 s"):
        await managed.restart(None, down_for=MAX_DOWN_S + 1)

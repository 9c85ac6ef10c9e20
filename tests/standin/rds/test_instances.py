"""RDS instances as local servers: an endpoint per instance, the stack that resolves their
attributes to it, and what a newer deployment may change without a new stand-in. Then one
instance served for real: its master user, password and database, TLS only."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from standin.aws.awslogs import CloudWatchLogs
from standin.aws.stack import Stack
from standin.errors import HarnessError
from standin.rds.instances import RDS_INSTANCE, ManagedDatabases
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
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # self-signed, as the local instance's is
        connection = await asyncpg.connect(
            **arguments, password="s3cret", database="todos", ssl=context
        )
        await connection.close()
    finally:
        await managed.stop()
    assert (reachable_dir / "Db" / "pgdata" / "PG_VERSION").exists()  # kept until local-down

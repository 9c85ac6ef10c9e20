"""RDS instances of the stack (placeholders in LocalStack's free edition) as one PostgreSQL
server each, shared by every task, as an RDS instance is.

Each instance gets an endpoint host name shaped like RDS's and a free loopback port;
`Fn::GetAtt Instance.Endpoint.Address/Port` resolve to that name and the declared port, and
the task's network remapping sends `name:port` to the local server. The server takes its
master user, password and database name from the instance's properties (the password through
its `{{resolve:secretsmanager:...}}` reference) and, like RDS for PostgreSQL 15+
(`rds.force_ssl=1`), accepts TCP connections over TLS only. `restart` reboots one, as a
client sees a reboot or failover: a fast shutdown, a while with nothing listening, a new
server on the same data.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from hostkit.ports import free_port
from hostkit.processes import ProcessRegistry

from ..aws.awslogs import CloudWatchLogs
from ..aws.stack import Stack
from ..control.protocol import DatabaseStatus
from ..ecs.spec import ContainerSpec
from ..errors import HarnessError
from ..runtime.network import Remap
from ..runtime.process.container import Container, Placement
from ..runtime.process.runners import Runner

RDS_INSTANCE = "AWS::RDS::DBInstance"
_PORT = 5432
MAX_DOWN_S = 600  # the longest a restart may keep an instance down


class ManagedDatabases:
    """The stack's RDS instances. `resolving` gives the stack that answers their
    `Fn::GetAtt` with the local endpoints: parse the service from that one."""

    def __init__(
        self,
        stack: Stack,
        directory: Path,
        *,
        runner: Runner,
        logs: CloudWatchLogs,
        processes: ProcessRegistry,
    ) -> None:
        self.stack = stack
        self.directory = directory
        self.runner = runner  # a TLS-only PostgreSQL
        self.logs = logs
        self.processes = processes
        self.endpoints: dict[tuple[str, int], int] = {}  # (endpoint host, port) -> local port
        self._hosts: dict[str, tuple[str, int]] = {}
        self.servers: list[Container] = []
        self._restarting = asyncio.Lock()
        self._stopped = False
        for logical_id, props in stack.of_type(RDS_INSTANCE):
            engine = str(stack.resolve(props.get("Engine", ""))).lower()
            if not engine.startswith("postgres"):
                raise HarnessError(f"{logical_id}: engine {engine} has no local stand-in")
            host = f"{logical_id.lower()}.standin.{stack.region}.rds.amazonaws.com"
            port = int(stack.resolve(props.get("Port", _PORT)))
            self._hosts[logical_id] = (host, port)
            self.endpoints[(host, port)] = free_port()

    def resolving(self, stack: Stack) -> Stack:
        return stack.with_attribute_resolver(RDS_INSTANCE, self._attribute)

    def adopt(self, stack: Stack) -> Stack | None:
        """Serve a newer deployment of the stack if it declares the same instances: that
        stack, resolving the instances' attributes; None if they differ."""
        declared = {
            logical_id: int(stack.resolve(props.get("Port", _PORT)))
            for logical_id, props in stack.of_type(RDS_INSTANCE)
        }
        if declared != {logical_id: port for logical_id, (_, port) in self._hosts.items()}:
            return None
        self.stack = stack
        return self.resolving(stack)

    def _attribute(self, logical_id: str, attribute: str, _physical_id: str) -> Any:
        host, port = self._hosts[logical_id]
        values = {"Endpoint.Address": host, "Endpoint.Port": str(port)}
        if attribute not in values:
            raise HarnessError(f"Fn::GetAtt {logical_id}.{attribute} has no local value")
        return values[attribute]

    async def start(self) -> None:
        for logical_id in self._hosts:
            server = self._server(logical_id)
            self.servers.append(server)
            await self._serve(server)

    def _server(self, logical_id: str) -> Container:
        host, port = self._hosts[logical_id]
        props = self.stack.properties(logical_id)
        user = str(self.stack.resolve(props.get("MasterUsername", "postgres")))
        spec = ContainerSpec(
            name=logical_id,
            image="postgres",
            essential=True,
            entry_point=[],
            command=[],
            environment={
                "POSTGRES_USER": user,
                "POSTGRES_PASSWORD": str(self.stack.resolve(props["MasterUserPassword"])),
                "POSTGRES_DB": str(self.stack.resolve(props.get("DBName", user))),
                "PGDATA": "/data/pgdata",
            },
            secrets={},
            ports=[_PORT],
            health_check=None,
            depends_on=[],
            stop_timeout=60,
            log=None,
            mounts={},
        )
        directory = self.directory / logical_id
        placement = Placement(
            task_id=logical_id,
            remap=Remap(task_ports={_PORT: self.endpoints[(host, port)]}),
            root=directory / "run",
            volumes={"/data": directory},
            log_file=directory / "postgres.log",
        )
        return Container(spec, self.runner, placement, logs=self.logs, processes=self.processes)

    async def _serve(self, server: Container) -> None:
        await server.start()
        await _wait_for_port(server.placement.remap.local_port(_PORT), server, within=60)

    async def restart(self, name: str | None, down_for: float) -> None:
        """What a client sees of an RDS reboot or failover: the instance's server stopped
        with a fast shutdown (its stop signal, sent to its PID), nothing listening on its
        endpoint for `down_for` seconds, then a new server on the same data and port.
        `name` may be left out when the stack has one instance."""
        if not 0 <= down_for <= MAX_DOWN_S:
            raise HarnessError(f"an instance may be down 0 to {MAX_DOWN_S} s, not {down_for:g}")
        names = [server.spec.name for server in self.servers]
        if not names:
            raise HarnessError(
                "the stack has no RDS instance (in sidecar mode the database is a task's container)"
            )
        if name is None and len(names) == 1:
            name = names[0]
        if name not in names:
            raise HarnessError(f"no RDS instance {name!r} to restart; the stack has {names}")
        async with self._restarting:
            index = names.index(name)
            await self.servers[index].stop()
            await asyncio.sleep(down_for)
            if self._stopped:
                return  # the stand-in is stopping: nothing to bring back
            self.servers[index] = self._server(name)
            await self._serve(self.servers[index])

    async def stop(self) -> None:
        self._stopped = True
        for server in self.servers:
            await server.stop()

    def describe(self) -> list[DatabaseStatus]:
        return [
            DatabaseStatus(
                name=server.spec.name,
                endpoint=f"{host}:{port}",
                pid=server.pid,
                port=self.endpoints[(host, port)],
            )
            for server, (host, port) in zip(self.servers, self._hosts.values(), strict=False)
        ]


async def _wait_for_port(port: int, server: Container, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.status == "STOPPED":
            raise HarnessError(f"{server.spec.name} exited with {server.exit_code}")
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{server.spec.name} did not listen on {port} in {within:.0f}s")

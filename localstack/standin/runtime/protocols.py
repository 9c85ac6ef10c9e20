"""What a task runs on, as the service scheduler sees it: its address, its network
remapping, its containers and storage.

Two runtimes implement it: `process.runtime.ProcessRuntime` runs each container as a process
on the loopback (the default, no engine needed), picking the runner its image calls for;
`docker.runtime.DockerRuntime` runs the images themselves, one bridge-network address per task.
"""

from __future__ import annotations

from typing import Protocol

from ..aws.awslogs import LogStream
from ..ecs.spec import ContainerSpec, TaskDefinitionSpec
from .network import Remap

Endpoints = dict[tuple[str, int], int]  # a managed endpoint (host, port) -> its local port


class TaskContainer(Protocol):
    """One container of a task, as the scheduler sees it."""

    spec: ContainerSpec
    status: str  # PENDING -> RUNNING -> STOPPED
    health: str  # NONE (no health check), UNKNOWN, HEALTHY, UNHEALTHY
    exit_code: int | None
    log_stream: LogStream | None

    @property
    def pid(self) -> int | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Runtime(Protocol):
    host_address: str  # where tasks reach what the stand-in serves on the host (RDS)

    async def start(self) -> None:
        """What tasks need before the first one starts (a network)."""
        ...

    async def stop(self) -> None:
        """Undo `start`, once every task has stopped."""
        ...

    def place(
        self,
        task_id: str,
        definition: TaskDefinitionSpec,
        endpoints: Endpoints,
        vpc_cidrs: tuple[str, ...],
    ) -> tuple[str, Remap]:
        """The task's address (where the load balancer reaches its ports) and remapping."""
        ...

    def container(
        self,
        task_id: str,
        address: str,
        remap: Remap,
        definition: TaskDefinitionSpec,
        spec: ContainerSpec,
    ) -> TaskContainer: ...

    async def release(self, task_id: str, address: str) -> None:
        """What the stopped task held besides its containers: storage, its address."""
        ...

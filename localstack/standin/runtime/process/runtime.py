"""The process runtime: each container of a task as a process on the loopback."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from hostkit.ports import LOOPBACK, free_port
from hostkit.processes import ProcessRegistry

from ...aws.awslogs import CloudWatchLogs
from ...aws.environment import task_role_environment
from ...ecs.spec import ContainerSpec, TaskDefinitionSpec
from ..network import Remap
from ..protocols import Endpoints
from .container import Container, Placement
from .runners import RunnerTable


class ProcessRuntime:
    """Containers as processes on 127.0.0.1, a free port for each container port; volumes
    as directories under `state_dir` (an EFS volume's outlives the task); a task role's
    credentials as LocalStack's."""

    host_address = LOOPBACK

    def __init__(
        self,
        state_dir: Path,
        runners: RunnerTable,
        *,
        logs: CloudWatchLogs,
        processes: ProcessRegistry,
    ) -> None:
        self.state_dir = state_dir
        self.runners = runners
        self.logs = logs
        self.processes = processes

    async def start(self) -> None:
        """Nothing to set up: the loopback is always there."""

    async def stop(self) -> None:
        """Nothing to undo."""

    def _task_dir(self, task_id: str) -> Path:
        return self.state_dir / "tasks" / task_id

    def place(
        self,
        task_id: str,
        definition: TaskDefinitionSpec,
        endpoints: Endpoints,
        vpc_cidrs: tuple[str, ...],
    ) -> tuple[str, Remap]:
        ports = {port: free_port() for spec in definition.containers for port in spec.ports}
        return LOOPBACK, Remap(task_ports=ports, endpoints=endpoints, vpc_cidrs=vpc_cidrs)

    def container(
        self,
        task_id: str,
        address: str,
        remap: Remap,
        definition: TaskDefinitionSpec,
        spec: ContainerSpec,
    ) -> Container:
        task_dir = self._task_dir(task_id)
        volumes = {
            path: (
                self.state_dir / "volumes" / name
                if name in definition.persistent_volumes
                else task_dir / "volumes" / name
            )
            for path, name in spec.mounts.items()
        }
        placement = Placement(
            task_id=task_id,
            remap=remap,
            root=task_dir / spec.name,
            volumes=volumes,
            log_file=self.state_dir / "logs" / f"{task_id[:12]}-{spec.name}.log",
            credentials=task_role_environment() if definition.task_role else {},
        )
        runner = self.runners.runner_for(spec.image)
        return Container(spec, runner, placement, logs=self.logs, processes=self.processes)

    async def release(self, task_id: str, address: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self._task_dir(task_id), ignore_errors=True)

"""A task's container as a process: started by the runner its image calls for (which sees
only the container's launch context), with its environment and secrets, its health check
(Docker's rules), its log stream, and `docker stop`'s signal then SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostkit.processes import ProcessRegistry

from ...aws.awslogs import CloudWatchLogs, LogStream, pump_lines
from ...aws.secrets import read_ecs_secret
from ...ecs.spec import ContainerSpec, HealthCheck
from ..network import Remap
from .runners import BASE_PATH, LaunchContext, Runner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """Where a container runs here: its task, the task's port and address remapping, its
    own storage, its mounted volumes (container path -> host directory), its log file, and
    the credentials its task role gives it (as environment variables)."""

    task_id: str
    remap: Remap
    root: Path
    volumes: dict[str, Path]
    log_file: Path
    credentials: dict[str, str] = field(default_factory=dict)


class Container:
    """One container of one task: its process, health and log stream."""

    def __init__(
        self,
        spec: ContainerSpec,
        runner: Runner,
        placement: Placement,
        *,
        logs: CloudWatchLogs,
        processes: ProcessRegistry,
    ) -> None:
        self.spec = spec
        self.runner = runner
        self.placement = placement
        self._logs = logs
        self._processes = processes
        self.status = "PENDING"  # PENDING -> RUNNING -> STOPPED
        self.health = "UNKNOWN" if spec.health_check else "NONE"
        self.exit_code: int | None = None
        self.started_at = 0.0
        self.process: asyncio.subprocess.Process | None = None
        self.log_stream: LogStream | None = None
        self._stopping = False
        self._output: asyncio.Task[None] | None = None
        self._waiter: asyncio.Task[None] | None = None
        self._background: list[asyncio.Task[Any]] = []

    @property
    def task_id(self) -> str:
        return self.placement.task_id

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.exit_code is None else None

    def environment(self) -> dict[str, str]:
        """The container's environment: its variables and secrets, remapped, on a clean base
        with its task role's credentials."""
        env = {"PATH": BASE_PATH, "LANG": "C.UTF-8", "HOME": str(self.placement.root)}
        env.update(self.placement.credentials)
        for name, value in self.spec.environment.items():
            env[name] = self.placement.remap.apply(value)
        for name, value_from in self.spec.secrets.items():
            env[name] = read_ecs_secret(value_from)
        return env

    @property
    def launch_context(self) -> LaunchContext:
        """What its runner sees of it."""
        placement = self.placement
        return LaunchContext(
            self.spec, placement.remap, placement.root, placement.volumes, self.emit
        )

    async def start(self) -> None:
        self.placement.root.mkdir(parents=True, exist_ok=True)
        self.log_stream = await self._logs.open_stream(
            self.spec, self.task_id, self.placement.log_file
        )
        env = await asyncio.to_thread(self.environment)
        launch = await self.runner.prepare(self.launch_context, env)
        self.process = await asyncio.create_subprocess_exec(
            *launch.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            env=launch.env,
            cwd=launch.cwd,
            **launch.options,
        )
        self._processes.add(self.process.pid)
        self.started_at = time.monotonic()
        self.status = "RUNNING"
        log.info(
            "task %s: container %s started (pid %d)", self.task_id, self.spec.name, self.process.pid
        )
        self._output = asyncio.create_task(self._pump(self.process))
        self._waiter = asyncio.create_task(self._wait(self.process))
        if self.spec.health_check:
            self._background.append(
                asyncio.create_task(self._health_loop(self.spec.health_check, env))
            )

    def emit(self, line: str) -> None:
        if self.log_stream is not None:
            self.log_stream.write(line)

    async def _pump(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        await pump_lines(process.stdout, self.emit)

    async def _wait(self, process: asyncio.subprocess.Process) -> None:
        self.exit_code = await process.wait()
        self._processes.remove(process.pid)
        self.status = "STOPPED"
        if not self._stopping:
            log.warning(
                "task %s: container %s exited with %s", self.task_id, self.spec.name, self.exit_code
            )

    async def _health_loop(self, check: HealthCheck, env: dict[str, str]) -> None:
        """Docker's health check: first run after one interval; failures inside the start
        period do not count; `retries` consecutive failures make it UNHEALTHY."""
        command = self.placement.remap.apply_argv(check.command)
        env = {**env, **self.runner.health_env(self.launch_context)}
        failures = 0
        while self.status == "RUNNING":
            await asyncio.sleep(check.interval)
            if self.status != "RUNNING":
                return
            ok = await self._run_check(command, env, check.timeout)
            in_start_period = time.monotonic() - self.started_at < check.start_period
            if ok:
                failures = 0
                self.health = "HEALTHY"
            elif not in_start_period or self.health == "HEALTHY":
                failures += 1
                if failures >= check.retries:
                    if self.health != "UNHEALTHY":
                        log.warning(
                            "task %s: container %s is UNHEALTHY", self.task_id, self.spec.name
                        )
                    self.health = "UNHEALTHY"

    async def _run_check(self, command: list[str], env: dict[str, str], limit: float) -> bool:
        kind, *rest = command
        if kind == "NONE":
            return True
        argv = ["/bin/sh", "-c", rest[0]] if kind == "CMD-SHELL" else rest
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                env=env,
                cwd=self.placement.root,
                start_new_session=True,
            )
        except OSError:
            return False
        try:
            return await asyncio.wait_for(process.wait(), limit) == 0
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            return False

    async def stop(self) -> None:
        """`docker stop`: the image's stop signal, then SIGKILL after the stop timeout."""
        self._stopping = True
        process = self.process
        if process is not None and self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(self.runner.stop_signal)
            try:
                await asyncio.wait_for(process.wait(), self.spec.stop_timeout)
            except TimeoutError:
                log.warning(
                    "task %s: container %s ignored its stop signal; killing",
                    self.task_id,
                    self.spec.name,
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._waiter is not None:
            # Records the exit code (the process has ended): not cancelled with the rest.
            await self._waiter
        if self._output is not None:
            # The last lines (shutdown messages) still in the pipe; a process that leaves a
            # child holding the pipe open does not get to keep the stand-in waiting.
            await asyncio.wait([self._output], timeout=5)
            self._background.append(self._output)
        for background in self._background:
            background.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self.status = "STOPPED"
        if self.log_stream is not None:
            await self.log_stream.close()
        # The task's own storage goes with the task; data on a volume stays.
        await asyncio.to_thread(shutil.rmtree, self.placement.root, ignore_errors=True)

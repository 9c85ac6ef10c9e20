"""A task's container as a Docker container, as the ECS agent runs one: created from its
image with the task definition's command, environment and secrets, user, read-only root,
mounts, health check and stop timeout; attached so that its output goes to its awslogs
stream; its state (PID, health, exit code) read from the engine; `docker stop` to stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...aws.awslogs import CloudWatchLogs, LogStream, pump_lines
from ...aws.secrets import read_ecs_secret
from ...ecs.spec import ContainerSpec, HealthCheck
from ...errors import HarnessError
from ..network import Remap
from .engine import LABEL, client, docker

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
START_TIMEOUT = 30.0
_HEALTH = {"starting": "UNKNOWN", "healthy": "HEALTHY", "unhealthy": "UNHEALTHY"}


@dataclass(frozen=True)
class Mount:
    """A named volume at a path in the container, and the labels it is made with."""

    volume: str
    path: str
    labels: dict[str, str]


@dataclass(frozen=True)
class DockerPlacement:
    """Where a container runs: its task, its name, the image it runs (the local one for the
    image the task definition names), its network (`--network ...` options), its mounts,
    the task's remapping and its log file."""

    task_id: str
    name: str
    image: str
    network: list[str]
    mounts: list[Mount]
    remap: Remap
    log_file: Path


def health_options(check: HealthCheck | None) -> list[str]:
    """The engine's health check options for the task definition's health check; the
    image's own HEALTHCHECK is off when the task definition has none (ECS ignores it)."""
    if check is None or check.command[0] == "NONE":
        return ["--no-healthcheck"]
    kind, *rest = check.command
    # The CLI takes a shell command only; CMD's argv becomes that command, quoted.
    command = rest[0] if kind == "CMD-SHELL" else shlex.join(rest)
    return [
        f"--health-cmd={command}",
        f"--health-interval={check.interval:g}s",
        f"--health-timeout={check.timeout:g}s",
        f"--health-retries={check.retries}",
        f"--health-start-period={check.start_period:g}s",
    ]


def create_arguments(spec: ContainerSpec, placement: DockerPlacement) -> list[str]:
    """`docker create` for the container: variables by name only (their values come in the
    client's environment, so secrets stay off the command line)."""
    remap = placement.remap
    args = ["create", "--name", placement.name, "--label", f"{LABEL}=container"]
    args += ["--label", f"{LABEL}.task={placement.task_id}", "--pull", "never"]
    args += [*placement.network, "--stop-timeout", str(round(spec.stop_timeout))]
    for name in [*spec.environment, *spec.secrets]:
        args += ["--env", name]
    for mount in placement.mounts:
        args += ["--mount", f"type=volume,source={mount.volume},target={mount.path}"]
    if spec.user:
        args += ["--user", spec.user]
    if spec.readonly_root_filesystem:
        args.append("--read-only")
    args += health_options(spec.health_check)
    entry_point = remap.apply_argv(spec.entry_point)
    if entry_point:
        args += ["--entrypoint", entry_point[0]]
    return [*args, placement.image, *entry_point[1:], *remap.apply_argv(spec.command)]


class DockerContainer:
    """One container of one task, run by the engine."""

    def __init__(
        self, spec: ContainerSpec, placement: DockerPlacement, *, logs: CloudWatchLogs
    ) -> None:
        self.spec = spec
        self.placement = placement
        self._logs = logs
        self.status = "PENDING"  # PENDING -> RUNNING -> STOPPED
        self.health = "UNKNOWN" if spec.health_check else "NONE"
        self.exit_code: int | None = None
        self.log_stream: LogStream | None = None
        self._pid: int | None = None
        self._output: asyncio.Task[None] | None = None
        self._background: list[asyncio.Task[Any]] = []
        self._stopping = False

    @property
    def task_id(self) -> str:
        return self.placement.task_id

    @property
    def pid(self) -> int | None:
        """The container's main process, as the host sees it."""
        return self._pid if self.status == "RUNNING" else None

    def environment(self) -> dict[str, str]:
        env = {
            name: self.placement.remap.apply(value) for name, value in self.spec.environment.items()
        }
        for name, value_from in self.spec.secrets.items():
            env[name] = read_ecs_secret(value_from)
        return env

    async def start(self) -> None:
        self.log_stream = await self._logs.open_stream(
            self.spec, self.task_id, self.placement.log_file
        )
        for mount in self.placement.mounts:
            labels = [f"--label={key}={value}" for key, value in mount.labels.items()]
            await docker("volume", "create", *labels, mount.volume)
        env = await asyncio.to_thread(self.environment)
        await docker(*create_arguments(self.spec, self.placement), env=env)
        # Attached before it starts: every line it writes reaches its log stream.
        attached = await asyncio.create_subprocess_exec(
            client(),
            "start",
            "--attach",
            self.placement.name,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._output = asyncio.create_task(self._pump(attached))
        state = await self._wait_running()
        self._pid = int(state["Pid"])
        self.status = "RUNNING"
        log.info(
            "task %s: container %s started (%s, pid %d)",
            self.task_id,
            self.spec.name,
            self.placement.name,
            self._pid,
        )
        self._background.append(asyncio.create_task(self._watch()))

    async def _state(self) -> dict[str, Any]:
        output = await docker("inspect", "--format", "{{json .State}}", self.placement.name)
        state: dict[str, Any] = json.loads(output)
        return state

    async def _wait_running(self) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while True:
            state = await self._state()
            if state["Status"] == "running":
                return state
            if state["Status"] in ("exited", "dead"):
                raise HarnessError(
                    f"container {self.placement.name} exited with {state['ExitCode']} "
                    f"at start: {state.get('Error') or 'see its log stream'}"
                )
            if asyncio.get_running_loop().time() > deadline:
                raise HarnessError(f"container {self.placement.name} did not start")
            await asyncio.sleep(0.1)

    def emit(self, line: str) -> None:
        if self.log_stream is not None:
            self.log_stream.write(line)

    async def _pump(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        await pump_lines(process.stdout, self.emit)
        await process.wait()

    async def _watch(self) -> None:
        """The engine's view of the container: its health, and its exit."""
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            try:
                state = await self._state()
            except HarnessError:
                state = {"Status": "removed", "ExitCode": None}
            if self.spec.health_check and state.get("Health"):
                self.health = _HEALTH.get(state["Health"]["Status"], "UNKNOWN")
            if state["Status"] not in ("running", "paused", "restarting"):
                self.exit_code = state["ExitCode"]
                self.status = "STOPPED"
                if not self._stopping:
                    log.warning(
                        "task %s: container %s exited with %s",
                        self.task_id,
                        self.spec.name,
                        self.exit_code,
                    )
                return

    async def stop(self) -> None:
        """`docker stop`: the image's stop signal, then SIGKILL after the stop timeout;
        then the container goes, its anonymous volumes with it (named ones stay)."""
        self._stopping = True
        name = self.placement.name
        timeout = round(self.spec.stop_timeout)
        if self.status == "RUNNING":
            with contextlib.suppress(HarnessError):
                await docker("stop", "--time", str(timeout), name, limit=timeout + 30)
        with contextlib.suppress(HarnessError):
            self.exit_code = int((await self._state())["ExitCode"])
        if self._output is not None:
            # The last lines still in the attached stream, within reason.
            await asyncio.wait([self._output], timeout=5)
            self._background.append(self._output)
        for background in self._background:
            background.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        with contextlib.suppress(HarnessError):
            await docker("rm", "--force", "--volumes", name)
        self.status = "STOPPED"
        if self.log_stream is not None:
            await self.log_stream.close()

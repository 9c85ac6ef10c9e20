"""How a container's process runs here: a runner per kind of image, chosen from a table by
the image the task definition names (as `databases` picks a backend by URL scheme).

Three runners ship, one module each: the project's own image (app.py) runs its command from
the checkout's virtualenv (as the image would from its own), the load generators' image
(load.py) runs its entry point (`python -m loadtest`) the same way, and the official
PostgreSQL image (postgres.py) runs as the distribution's server, initialised as that
image's entrypoint does. Another kind of image is one more class with `prepare` and
`health_env`, put into the table that `control.daemon.runner_table` builds.

A runner sees only its container's `LaunchContext`, never the `Container` that supervises
the process: what the task definition says of the container, the task's remapping, where
its storage and volumes are, and where its output goes.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ...ecs.spec import ContainerSpec
from ...errors import HarnessError
from ..network import Remap

BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class LaunchContext:
    """What a runner knows of the container it launches: its task definition entry, the
    task's remapping, its own storage (`root`), its mounted volumes (container path -> host
    directory), and where a line of its output goes (its log stream)."""

    spec: ContainerSpec
    remap: Remap
    root: Path
    volumes: Mapping[str, Path]
    emit: Callable[[str], None]

    def host_path(self, container_path: str) -> Path:
        """Where a path inside the container lives here: in a mounted volume, else in the
        task's own storage (gone with the task, like Fargate's ephemeral storage)."""
        for mount, directory in sorted(self.volumes.items(), key=lambda item: -len(item[0])):
            if container_path == mount or container_path.startswith(mount.rstrip("/") + "/"):
                return directory / container_path[len(mount) :].lstrip("/")
        return self.root / "fs" / container_path.lstrip("/")


@dataclass(frozen=True)
class Launch:
    """What starts a container's process: argv, environment, working directory, and any
    other keyword of `asyncio.create_subprocess_exec` (the account to run as)."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    options: dict[str, Any] = field(default_factory=dict)


class Runner(Protocol):
    """Runs the containers of one kind of image. One runner serves many containers: what is
    particular to a container comes in with its launch context."""

    stop_signal: signal.Signals  # the image's STOPSIGNAL

    async def prepare(self, context: LaunchContext, env: dict[str, str]) -> Launch:
        """Everything a first start needs (initialised data, say), then how to start it."""
        ...

    def health_env(self, context: LaunchContext) -> dict[str, str]:
        """What the container's health check command finds in its environment."""
        ...


ImageMatch = Callable[[str], bool]


class RunnerTable:
    """The first runner whose match accepts the image; any other image is refused."""

    def __init__(self, entries: Sequence[tuple[str, ImageMatch, Runner]]) -> None:
        self.entries = list(entries)  # (what it runs, in words; match; runner)

    def runner_for(self, image: str) -> Runner:
        for _what, matches, runner in self.entries:
            if matches(image):
                return runner
        runs = ", ".join(what for what, _match, _runner in self.entries)
        raise HarnessError(f"no local runner for image {image} (runs here: {runs})")

"""A task run once, as `aws ecs run-task` runs one outside a service: its containers
started in `dependsOn` order, running until an essential container exits (or a stop is
asked for, or the time limit passes), then every container stopped, dependents first,
with its stop signal and stop timeout; what each exited with and why the task stopped."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from dataclasses import dataclass

from ..errors import HarnessError
from ..runtime.protocols import Endpoints, Runtime, TaskContainer
from .dependencies import POLL_S, wait_for_dependencies
from .spec import TaskDefinitionSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskOutcome:
    task_id: str
    stopped_reason: str
    exit_codes: dict[str, int | None]  # container name -> exit code (None: never ran)
    essential: tuple[str, ...]  # the essential containers' names

    @property
    def exit_code(self) -> int:
        """The first essential container's exit code; 1 when it never ran or was killed."""
        code = self.exit_codes.get(self.essential[0]) if self.essential else None
        return 1 if code is None or code < 0 else code


async def run_task(
    runtime: Runtime,
    definition: TaskDefinitionSpec,
    *,
    limit: float,
    urls: dict[str, str] | None = None,
    endpoints: Endpoints | None = None,
    vpc_cidrs: tuple[str, ...] = (),
    stop: asyncio.Event | None = None,
) -> TaskOutcome:
    """Run one task of `definition` on `runtime` to its end, within `limit` seconds; `urls`
    maps the URLs the task definition names to where they answer here."""
    task_id = uuid.uuid4().hex
    address, remap = runtime.place(task_id, definition, endpoints or {}, vpc_cidrs)
    remap = dataclasses.replace(remap, urls=dict(urls or {}))
    containers = [
        runtime.container(task_id, address, remap, definition, spec)
        for spec in definition.start_order()
    ]
    stop = stop or asyncio.Event()
    try:
        reason = await asyncio.wait_for(_run(containers, stop), limit)
    except TimeoutError:
        reason = f"Stopped at the time limit ({limit:.0f} s)"
    except (HarnessError, OSError, RuntimeError) as error:
        reason = f"Task failed to start: {error}"
    finally:
        for container in reversed(containers):
            await container.stop()
        await runtime.release(task_id, address)
    log.info("task %s stopped: %s", task_id[:12], reason)
    return TaskOutcome(
        task_id=task_id,
        stopped_reason=reason,
        exit_codes={c.spec.name: c.exit_code for c in containers},
        essential=tuple(c.spec.name for c in containers if c.spec.essential),
    )


async def _run(containers: list[TaskContainer], stop: asyncio.Event) -> str:
    for container in containers:
        await wait_for_dependencies(container.spec, containers, wanted=lambda: not stop.is_set())
        if stop.is_set():
            break
        await container.start()
    while not stop.is_set():
        for container in containers:
            if container.spec.essential and container.status == "STOPPED":
                return (
                    f"Essential container in task exited (container {container.spec.name}, "
                    f"exit code {container.exit_code})"
                )
        await asyncio.sleep(POLL_S)
    return "Task stopped on request"

"""`dependsOn`, as the ECS agent waits on it: a container starts once each container it
depends on has reached its condition (START, HEALTHY, COMPLETE or SUCCESS)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from ..runtime.protocols import TaskContainer
from .spec import ContainerSpec

POLL_S = 0.2


async def wait_for_dependencies(
    spec: ContainerSpec, containers: Sequence[TaskContainer], *, wanted: Callable[[], bool]
) -> None:
    """Return when every dependency of `spec` has met its condition, or once the task is no
    longer `wanted`; RuntimeError when a dependency can no longer meet it."""
    for name, condition in spec.depends_on:
        dependency = next(c for c in containers if c.spec.name == name)
        while wanted():
            if condition == "START" and dependency.status != "PENDING":
                break
            if condition == "HEALTHY" and dependency.health == "HEALTHY":
                break
            if condition in ("COMPLETE", "SUCCESS") and dependency.status == "STOPPED":
                if condition == "SUCCESS" and dependency.exit_code != 0:
                    raise RuntimeError(f"dependency {name} exited with {dependency.exit_code}")
                break
            if dependency.status == "STOPPED" or dependency.health == "UNHEALTHY":
                raise RuntimeError(f"dependency {name} cannot reach {condition}")
            await asyncio.sleep(POLL_S)

"""dependsOn conditions, waited for on containers whose state the test moves."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from standin.ecs.dependencies import wait_for_dependencies
from standin.ecs.spec import ContainerSpec

from tests.standin.fakes import container_spec


@dataclass
class Dependency:
    """A container as the scheduler sees it, moved by the test."""

    spec: ContainerSpec
    status: str = "PENDING"
    health: str = "UNKNOWN"
    exit_code: int | None = None


def dependent(condition: str) -> ContainerSpec:
    return container_spec("app", depends_on=[("db", condition)])


async def waits(spec: ContainerSpec, db: Dependency, change: dict[str, object]) -> float:
    """Seconds the wait took when `change` comes to `db` after 0.3 s."""
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, lambda: [setattr(db, k, v) for k, v in change.items()])
    started = loop.time()
    await wait_for_dependencies(spec, [db], wanted=lambda: True)  # type: ignore[list-item]
    return loop.time() - started


@pytest.mark.parametrize(
    ("condition", "change"),
    [
        ("START", {"status": "RUNNING"}),
        ("HEALTHY", {"status": "RUNNING", "health": "HEALTHY"}),
        ("COMPLETE", {"status": "STOPPED", "exit_code": 1}),
        ("SUCCESS", {"status": "STOPPED", "exit_code": 0}),
    ],
)
async def test_each_condition_is_waited_for(condition: str, change: dict[str, object]) -> None:
    db = Dependency(container_spec("db"))
    assert 0.25 < await waits(dependent(condition), db, change) < 2


@pytest.mark.parametrize(
    ("condition", "change", "message"),
    [
        ("SUCCESS", {"status": "STOPPED", "exit_code": 3}, "dependency db exited with 3"),
        ("HEALTHY", {"status": "RUNNING", "health": "UNHEALTHY"}, "db cannot reach HEALTHY"),
        ("COMPLETE", {"health": "UNHEALTHY"}, "dependency db cannot reach COMPLETE"),
    ],
)
async def test_a_condition_that_cannot_be_met_raises(
    condition: str, change: dict[str, object], message: str
) -> None:
    db = Dependency(container_spec("db"), status="RUNNING")
    with pytest.raises(RuntimeError, match=message):
        await waits(dependent(condition), db, change)


async def test_a_task_no_longer_wanted_stops_waiting() -> None:
    db = Dependency(container_spec("db"))
    await asyncio.wait_for(
        wait_for_dependencies(dependent("HEALTHY"), [db], wanted=lambda: False),  # type: ignore[list-item]
        1,
    )

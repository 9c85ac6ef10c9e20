"""The scheduler against a fake balancer and a runner of real short commands: desired count,
scaling, replacement of failed tasks, rolling deployments within min/max healthy percent,
and back-off from tasks that keep failing."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import signal
from pathlib import Path

import pytest
from standin.ecs.service import Service

from tests.standin.fakes import (
    SERVE,
    CommandRunner,
    FakeBalancer,
    make_service,
    running,
    service_spec,
    wait_for,
)


def healthy(service: Service) -> int:
    return sum(1 for t in service.live() if t.alb_state == "healthy")


async def test_desired_count_registered_and_steady(tmp_path: Path) -> None:
    balancer = FakeBalancer()
    service = make_service(tmp_path, service_spec(desired=2), balancer, CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        status = service.describe()
        assert status.desired_count == status.running_count == 2
        assert {t.target for t in status.tasks} == set(balancer.registered)
        assert all(c.pid for t in status.tasks for c in t.containers)
    assert all(t.status == "STOPPED" for t in service.tasks)
    assert balancer.registered == {}


async def test_scale_out_and_in(tmp_path: Path) -> None:
    service = make_service(tmp_path, service_spec(desired=1), FakeBalancer(), CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady at 1")
        service.scale(3)
        await wait_for(lambda: service.steady() and len(service.live()) == 3, 10, "3 tasks")
        service.scale(1)
        await wait_for(lambda: service.steady() and len(service.live()) == 1, 10, "1 task")
        scaled_in = [t for t in service.tasks if t.stopped_reason == "Service scaled in"]
        assert len(scaled_in) == 2


async def test_exited_container_is_replaced(tmp_path: Path) -> None:
    service = make_service(tmp_path, service_spec(desired=2), FakeBalancer(), CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        victim = service.live()[0]
        pid = victim.containers[0].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await wait_for(lambda: victim not in service.live() and service.steady(), 10, "replaced")
        assert victim.stopped_reason == (
            "Essential container in task exited (container app, exit code -9)"
        )
        assert len(service.live()) == 2


async def test_target_failing_health_checks_is_replaced(tmp_path: Path) -> None:
    balancer = FakeBalancer()
    service = make_service(tmp_path, service_spec(desired=2), balancer, CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        victim = service.live()[0]
        balancer.failing.add(victim.target_name)
        await wait_for(lambda: victim not in service.live() and service.steady(), 10, "replaced")
        assert victim.stopped_reason == "Task failed ELB health checks in the target group"


async def test_target_health_reported_before_the_unhealthy_target_is_replaced(
    tmp_path: Path,
) -> None:
    """What the load balancer's host-count metrics are made of: at every observation, the
    live targets' healthy and unhealthy counts, the failing one counted before it goes."""
    balancer = FakeBalancer()
    service = make_service(tmp_path, service_spec(desired=2), balancer, CommandRunner(SERVE))
    observed: list[tuple[int, int]] = []
    service.on_target_health = lambda group, healthy, unhealthy: observed.append(
        (healthy, unhealthy)
    )
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        assert observed[-1] == (2, 0)
        balancer.failing.add(service.live()[0].target_name)
        await wait_for(lambda: (1, 1) in observed, 10, "the unhealthy target counted")
        await wait_for(service.steady, 10, "replaced")
        assert observed[-1] == (2, 0)


@pytest.mark.parametrize(("minimum", "maximum"), [(50, 150), (100, 200), (50, 100)])
async def test_rolling_deployment_stays_within_healthy_percent(
    tmp_path: Path, minimum: int, maximum: int
) -> None:
    """desired 4: never fewer healthy than minimum%, never more live than maximum%."""
    balancer = FakeBalancer(healthy_after=0.2)
    spec = service_spec(desired=4, minimum=minimum, maximum=maximum)
    service = make_service(tmp_path, spec, balancer, CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        old = set(service.live())
        samples: list[tuple[int, int]] = []

        def sampled() -> bool:
            samples.append((healthy(service), len(service.live())))
            return service.steady()

        service.restart()
        await wait_for(sampled, 30, "the new deployment steady")
        assert not old & set(service.live())
        assert all(t.generation == 2 for t in service.live())
        assert min(h for h, _ in samples) >= math.ceil(4 * minimum / 100)
        assert max(n for _, n in samples) <= math.floor(4 * maximum / 100)


async def test_backs_off_from_tasks_that_keep_failing(tmp_path: Path) -> None:
    """Each failure doubles the wait before the next start (0, then 1, then 3 s), instead
    of a start on every tick."""
    runner = CommandRunner(["false"])
    service = make_service(tmp_path, service_spec(desired=1), FakeBalancer(), runner)
    async with running(service):
        await wait_for(lambda: len(service.tasks) >= 3, 10, "three tries")
        starts = [t.created_at for t in service.tasks]
        assert starts[2] - starts[1] >= 1 - 0.05
        await asyncio.sleep(1.5)
        assert len(service.tasks) == 3  # the fourth waits 3 s
    assert all(
        t.stopped_reason.startswith("Essential container in task exited") for t in service.tasks
    )


async def test_a_task_that_cannot_start_says_why(tmp_path: Path) -> None:
    """An image no runner runs: the task stops with the table's reason."""
    spec = service_spec(desired=1)
    other = dataclasses.replace(spec.task_definition.containers[0], image="nginx:1")
    definition = dataclasses.replace(spec.task_definition, containers=[other])
    spec = dataclasses.replace(spec, task_definition=definition)
    service = make_service(tmp_path, spec, FakeBalancer(), CommandRunner(SERVE))
    async with running(service):
        await wait_for(lambda: any(t.stopped_reason for t in service.tasks), 5, "stopped")
    assert service.tasks[0].stopped_reason == (
        "Task failed to start: no local runner for image nginx:1 (runs here: the test image)"
    )

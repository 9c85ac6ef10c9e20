"""The service behaves like ECS behind an ALB: a dead or hung task is routed around and
replaced, a restart (blue/green in rds mode, rolling in sidecar mode) loses no request and
no write. Each test prints what the client
saw (run with -rP, as `make local-test` does)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Standin, stored_in_category
from tests.integration.traffic import Traffic
from tests.integration.viewers import Viewers


def app_container(task: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in task["containers"] if c["name"] == status["container_name"])


def in_service(task: dict[str, Any]) -> bool:
    return task["desired_status"] == "RUNNING" and task["target_state"] == "healthy"


def replaced(victim: dict[str, Any]) -> Any:
    def check(status: dict[str, Any]) -> bool:
        live = [t for t in status["tasks"] if t["desired_status"] == "RUNNING"]
        return status["steady"] and victim["id"] not in {t["id"] for t in live}

    return check


def require_several_tasks(status: dict[str, Any]) -> None:
    if status["desired_count"] < 2:
        pytest.skip(
            f"the service runs {status['desired_count']} task (sidecar mode): there is no "
            "other target to route around it; run make local-up LOCAL_DATABASE=rds"
        )


def test_killed_task_is_routed_around_and_replaced(
    standin: Standin, steady_service: dict[str, Any], viewers: Viewers, credentials: dict[str, str]
) -> None:
    require_several_tasks(steady_service)
    victim = standin.live_tasks(steady_service)[0]
    pid = app_container(victim, steady_service)["pid"]

    with Traffic(viewers, headers=credentials, limit=180) as traffic:
        time.sleep(2)
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        standin.wait_until(
            lambda s: not any(in_service(t) for t in s["tasks"] if t["id"] == victim["id"]),
            60,
            "the killed task out of the target group",
        )
        acted = time.monotonic()
        status = standin.wait_until(replaced(victim), 180, "the killed task replaced")
        recovered = time.monotonic()
        time.sleep(2)

    stopped = next(t for t in status["tasks"] if t["id"] == victim["id"])
    before = traffic.failures(until=acted)
    print(
        f"kill -9 of task {victim['id'][:12]} (app pid {pid}): {traffic.summary()}; "
        f"{len(before)} failed before the target left the group "
        f"({acted - killed:.2f} s after the kill), "
        f"{len(traffic.failures(since=acted))} after; replacement healthy "
        f"{recovered - killed:.1f} s after the kill; stopped because: {stopped['stopped_reason']}"
    )
    assert "Essential container in task exited" in stopped["stopped_reason"]
    assert not traffic.failures(since=acted)
    assert len(traffic.outcomes) > 50
    assert len(standin.live_tasks(status)) == status["desired_count"]


def test_hung_task_fails_health_checks_and_is_replaced(
    standin: Standin, steady_service: dict[str, Any], viewers: Viewers, credentials: dict[str, str]
) -> None:
    """SIGSTOP: the process lives but answers nothing. The target group's health check (or
    the container's) marks it unhealthy, and the service replaces the task."""
    require_several_tasks(steady_service)
    victim = standin.live_tasks(steady_service)[0]
    pid = app_container(victim, steady_service)["pid"]

    with Traffic(viewers, headers=credentials, limit=300) as traffic:
        time.sleep(2)
        frozen = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        try:
            status = standin.wait_until(
                lambda s: not any(in_service(t) for t in s["tasks"] if t["id"] == victim["id"]),
                150,
                "the hung task out of the target group",
            )
        finally:
            os.kill(pid, signal.SIGCONT)  # let it take its stop signal
        acted = time.monotonic()
        status = standin.wait_until(replaced(victim), 180, "the hung task replaced")
        time.sleep(2)

    stopped = next(t for t in status["tasks"] if t["id"] == victim["id"])
    print(
        f"SIGSTOP of task {victim['id'][:12]}: out of the target group {acted - frozen:.1f} s "
        f"later; {traffic.summary()}; {len(traffic.failures(until=acted))} failed before, "
        f"{len(traffic.failures(since=acted))} after; stopped because: {stopped['stopped_reason']}"
    )
    assert "health checks" in stopped["stopped_reason"]
    assert not traffic.failures(since=acted)


def test_a_restart_fails_no_request_and_loses_no_write(
    standin: Standin,
    steady_service: dict[str, Any],
    viewers: Viewers,
    credentials: dict[str, str],
    api: httpx.Client,
) -> None:
    before = {t["id"] for t in standin.live_tasks(steady_service)}
    deployment = steady_service["deployment"]
    # New tasks start before old ones stop (blue/green, or rolling above 100 %): no failure.
    overlapping = steady_service["maximum_percent"] > 100 and steady_service["desired_count"] >= 1
    label = f"restart-{uuid.uuid4().hex[:8]}"

    # About 20 writes a second: a blue/green restart (its bake included) stays within the
    # user's todo quota (TODOS_PER_USER, 10,000).
    with Traffic(
        viewers, headers=credentials, write=True, label=label, limit=600, pause=0.05
    ) as writer:
        time.sleep(1)
        started = time.monotonic()
        standin.restart()
        status = standin.wait_until(
            # A later number: one rolled back before is not used again.
            lambda s: s["steady"] and s["deployment"] > deployment,
            600,
            "redeployed",
        )
        steady = time.monotonic()
        took = steady - started
        time.sleep(2)

    after = {t["id"] for t in standin.live_tasks(status)}
    stored = stored_in_category(api, label)
    lost = {i: t for i, t in writer.written.items() if stored.get(i) != t}
    print(
        f"{steady_service['strategy'].lower()} restart of {len(before)} task(s) in {took:.1f} s "
        f"(min {steady_service['minimum_healthy_percent']}% / max "
        f"{steady_service['maximum_percent']}%): writer {writer.summary()}; "
        f"{len(writer.written)} writes acknowledged, {len(lost)} lost"
    )
    assert not before & after, "every task was replaced"
    assert not lost
    # Writes acknowledged by the old tasks and by the new: the check of loss spans both.
    assert writer.successes(until=started), "no write acknowledged before the restart"
    assert writer.successes(since=steady), "no write acknowledged once it was redeployed"
    if overlapping:
        assert not writer.failures()

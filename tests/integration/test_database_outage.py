"""The RDS instance rebooted under writers on keep-alive connections to the load balancer
(sent as the front door sends them, with the origin secret): its server stopped by a fast
shutdown (as a reboot or failover does), 6 s down, started again. A client of the ALB must
see what the service answers (503 problem+json with Retry-After, quickly), its connections
kept, the targets kept in service, the first write stored soon after the database is back,
and every acknowledged write stored."""

from __future__ import annotations

import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from testbed.keep_alive import Traffic
from tests.faults.checks import check_failure_answers
from tests.integration.conftest import Standin, stored_in_category

WRITERS = 4
OUTAGE_S = 6.0
RETRY_AFTER = 2  # the service's default, as the stack deploys it
# The service's own longest wait for the database (DATABASE_POOL_TIMEOUT): no answer during
# the outage may take longer. A refused connection is answered at once; the figure is printed.
LATENCY_BOUND_S = 5.0
# Generous for a busy 2-core machine; the measured figure is printed.
RECOVERY_BOUND_S = 5.0


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def when_listening(port: int, wanted: bool, within: float) -> float:
    """time.monotonic() once the port is (or is no longer) listening, polled every 50 ms."""
    deadline = time.monotonic() + within
    while listening(port) != wanted:
        if time.monotonic() > deadline:
            raise AssertionError(f"port {port}: listening is not {wanted} within {within:g} s")
        time.sleep(0.05)
    return time.monotonic()


def targets(status: dict[str, Any]) -> dict[str, str]:
    """The service's live tasks and their targets' states."""
    live = (t for t in status["tasks"] if t["desired_status"] == "RUNNING")
    return {task["id"]: task["target_state"] for task in live}


def test_rds_reboot_through_the_alb_answers_503_keeps_connections_and_loses_no_write(
    standin: Standin,
    steady_service: dict[str, Any],
    outputs: dict[str, Any],
    origin_verified: dict[str, str],
    credentials: dict[str, str],
    api: httpx.Client,
) -> None:
    if not steady_service["managed"]:
        pytest.skip(
            "sidecar mode: the database is the task's own container, there is no RDS "
            "instance to reboot; run make local-up LOCAL_DATABASE=rds"
        )
    port = steady_service["managed"][0]["port"]
    before = targets(steady_service)
    label = f"outage-{uuid.uuid4().hex[:8]}"

    def write(client: int, n: int) -> tuple[str, str, Any]:
        return "POST", "/api/todos", {"title": f"{label}-{client}-{n}", "category": label}

    alb_url = str(outputs["AlbUrl"])
    traffic = Traffic(alb_url, {**credentials, **origin_verified})
    traffic.start(WRITERS, write)
    # What the target group's health check asks, as it asks it: without credentials.
    health_check = Traffic(alb_url, dict(origin_verified))
    health_check.start(1, lambda _client, _n: ("GET", "/health", None))
    with ThreadPoolExecutor(2) as pool:
        time.sleep(1.0)
        restart = pool.submit(standin.restart_database, OUTAGE_S)
        down = when_listening(port, False, within=60)
        status_during = pool.submit(lambda: (standin.status(), time.monotonic()))
        back = when_listening(port, True, within=OUTAGE_S + 60)
        restart.result()
        during_status, during_status_at = status_during.result()
    time.sleep(2.0)  # writes after the recovery
    traffic.stop()
    health_check.stop()
    after = targets(standin.status())

    writes = traffic.answers
    health = health_check.answers
    during = [a for a in writes if down <= a.at <= back]
    failures = check_failure_answers(writes, {503}, RETRY_AFTER)
    statuses: dict[int, int] = {}
    for answer in writes:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    slowest = max(a.took for a in writes if a.status == 503 or down <= a.at <= back)
    first_write_after = min(a.at for a in writes if a.status == 201 and a.at > back) - back
    acknowledged = {a.body["id"]: a.body["title"] for a in writes if a.status == 201}
    stored = stored_in_category(api, label)
    lost = {i: title for i, title in acknowledged.items() if stored.get(i) != title}
    print(
        f"RDS instance rebooted ({back - down:.1f} s not listening) under {WRITERS} writers"
        f" through the ALB: {len(writes)} writes {statuses} (Retry-After"
        f" {failures[0].retry_after} s), {len(during)} while down, all 503, the slowest"
        f" {slowest:.3f} s; /health {len(health)} x {sorted({a.status for a in health})};"
        f" dropped connections {traffic.dropped + health_check.dropped}; first write stored"
        f" {first_write_after:.2f} s after PostgreSQL listened again; {len(acknowledged)}"
        f" writes acknowledged, {len(stored)} stored, {len(lost)} lost; targets during the outage"
        f" {sorted(set(targets(during_status).values()))}"
    )
    assert traffic.dropped == 0
    assert health_check.dropped == 0
    assert during, "no write was answered while the database was down"
    assert all(a.status == 503 for a in during), [(a.at - down, a.status) for a in during]
    assert slowest <= LATENCY_BOUND_S
    assert all(a.status == 200 for a in health)
    assert during_status_at < back, "the targets were read after the outage"
    assert targets(during_status) == before
    assert after == before, "a task was replaced or left the target group"
    assert set(before.values()) == {"healthy"}
    assert first_write_after <= RECOVERY_BOUND_S
    assert not lost, lost

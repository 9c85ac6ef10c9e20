"""The control protocol end to end over a unix socket: a typed status out and back, the
daemon's refusal as the client's error, and a daemon that is not there."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standin.control import protocol
from standin.control.protocol import (
    ContainerStatus,
    DatabaseStatus,
    ServiceStatus,
    TargetGroupStatus,
    TaskStatus,
)
from standin.errors import HarnessError

STATUS = ServiceStatus(
    service="Service",
    container_name="app",
    desired_count=2,
    running_count=1,
    deployment=3,
    steady=False,
    strategy="BLUE_GREEN",
    production_target_group="AlternateTargetGroup",
    rollbacks=["deployment 2: alarm TodoAsync-LatencyP99 went to ALARM"],
    minimum_healthy_percent=100,
    maximum_percent=200,
    listener="HTTP 127.0.0.1:8080",
    balancer_pid=42,
    target_group=TargetGroupStatus("/health", 5, 2, 2, 5),
    managed=[DatabaseStatus("Db", "db.standin.us-east-1.rds.amazonaws.com:5432", 43, 40001)],
    tasks=[
        TaskStatus(
            id="abc",
            generation=3,
            status="RUNNING",
            desired_status="RUNNING",
            health="HEALTHY",
            target="task-abc",
            target_state="healthy",
            target_group="AlternateTargetGroup",
            stopped_reason="",
            address="127.0.0.1",
            ports={"5000": 40002},
            containers=[ContainerStatus("app", "todo-async:local", 44, "RUNNING", "HEALTHY",
                                        None, "todo/app/abc")],
        )
    ],
    events=["12:00:00 task abc started"],
)  # fmt: skip


@pytest.fixture
def socket_path() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:  # short: unix socket paths are
        yield Path(directory) / "control.sock"


async def test_round_trip(socket_path: Path) -> None:
    seen: list[dict[str, Any]] = []

    async def handle(request: dict[str, Any]) -> ServiceStatus:
        seen.append(request)
        if request["op"] == "scale":
            return dataclasses.replace(STATUS, desired_count=request["count"])
        raise ValueError(f"unknown operation {request['op']!r}")

    server = await protocol.serve(socket_path, handle)
    try:
        status = await asyncio.to_thread(protocol.request, socket_path, "scale", count=5)
        assert status == dataclasses.replace(STATUS, desired_count=5)
        with pytest.raises(HarnessError, match="ValueError: unknown operation 'jump'"):
            await asyncio.to_thread(protocol.request, socket_path, "jump")
    finally:
        server.close()
        await server.wait_closed()
    assert seen == [{"op": "scale", "count": 5}, {"op": "jump"}]


def test_json_shape_is_the_status_fields() -> None:
    document = STATUS.to_json()
    assert document["tasks"][0]["containers"][0]["log_stream"] == "todo/app/abc"
    assert ServiceStatus.from_json(document) == STATUS


def test_no_daemon(socket_path: Path) -> None:
    with pytest.raises(HarnessError, match="the stand-in is not running"):
        protocol.request(socket_path, "status")

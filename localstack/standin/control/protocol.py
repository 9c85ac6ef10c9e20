"""The stand-in's control protocol, both ends: one JSON line in (`{"op": ...}`), one JSON
line out (`{"ok": true, "status": {...}}` or `{"ok": false, "error": "..."}`), over the
daemon's unix socket. The status is typed: `ServiceStatus` and what it holds."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import HarnessError

REPLY_TIMEOUT = 900  # a reload waits for a stack read; nothing else takes long


@dataclass(frozen=True)
class ContainerStatus:
    name: str
    image: str
    pid: int | None
    status: str
    health: str
    exit_code: int | None
    log_stream: str | None


@dataclass(frozen=True)
class TaskStatus:
    id: str
    generation: int
    status: str
    desired_status: str
    health: str
    target: str
    target_state: str
    target_group: str  # its logical id
    stopped_reason: str
    address: str  # where the load balancer reaches the task
    ports: dict[str, int]  # container port -> local port
    containers: list[ContainerStatus]


@dataclass(frozen=True)
class TargetGroupStatus:
    health_check_path: str
    interval: int
    healthy_threshold: int
    unhealthy_threshold: int
    deregistration_delay: int


@dataclass(frozen=True)
class DatabaseStatus:
    name: str
    endpoint: str
    pid: int | None
    port: int


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    container_name: str
    desired_count: int
    running_count: int
    deployment: int
    steady: bool
    strategy: str  # ROLLING or BLUE_GREEN
    production_target_group: str  # the target group production forwards to now
    rollbacks: list[str]  # the latest deployments rolled back, and why
    minimum_healthy_percent: int
    maximum_percent: int
    listener: str
    balancer_pid: int | None
    target_group: TargetGroupStatus
    managed: list[DatabaseStatus]
    tasks: list[TaskStatus]
    events: list[str]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ServiceStatus:
        tasks = [
            TaskStatus(**{**t, "containers": [ContainerStatus(**c) for c in t["containers"]]})
            for t in document["tasks"]
        ]
        return cls(
            **{
                **document,
                "target_group": TargetGroupStatus(**document["target_group"]),
                "managed": [DatabaseStatus(**m) for m in document["managed"]],
                "tasks": tasks,
            }
        )


Handler = Callable[[dict[str, Any]], Awaitable[ServiceStatus]]


async def serve(socket_path: Path, handle: Handler) -> asyncio.Server:
    """The daemon's end: each connection one request, answered with the status after it
    or the reason it failed; a failed request leaves the daemon running."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = json.loads(await reader.readline())
            reply: dict[str, Any] = {"ok": True, "status": (await handle(request)).to_json()}
        except Exception as error:  # the caller gets the reason; the daemon goes on
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        writer.write(json.dumps(reply).encode() + b"\n")
        await writer.drain()
        writer.close()

    return await asyncio.start_unix_server(connection, path=str(socket_path))


def request(socket_path: Path, op: str, **arguments: Any) -> ServiceStatus:
    """The client's end: send one request, return the status or raise the daemon's error."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(REPLY_TIMEOUT)
        try:
            connection.connect(str(socket_path))
        except OSError:
            raise HarnessError("the stand-in is not running (make local-up)") from None
        connection.sendall(json.dumps({"op": op, **arguments}).encode() + b"\n")
        reply: dict[str, Any] = json.loads(connection.makefile().readline())
    if not reply.get("ok"):
        raise HarnessError(reply.get("error", "the stand-in refused the request"))
    return ServiceStatus.from_json(reply["status"])

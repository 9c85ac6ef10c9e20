"""The stand-in daemon: builds the service from the deployed stack (the runtime its tasks
run on, HAProxy, the RDS instances' servers), serves the control protocol, and stops
everything it started on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from hostkit.ports import can_bind, free_port
from hostkit.processes import ProcessRegistry
from imagebuild.postgres import POSTGRES_TAG

from .. import aws, paths
from ..alb import names
from ..alb.haproxy import PRODUCTION, TEST, HAProxy
from ..aws.awslogs import CloudWatchLogs
from ..aws.stack import Stack
from ..cloudfront.front_door import build_front_door, front_door_spec
from ..cloudwatch.alarms import AlarmSpec
from ..cloudwatch.alb_metrics import dimensions_of
from ..cloudwatch.evaluator import AlarmEvaluator
from ..cloudwatch.metric_store import MetricStore
from ..cloudwatch.publisher import MetricPublisher
from ..ecs.service import Service
from ..ecs.spec import ServiceSpec, parse_service
from ..errors import HarnessError
from ..rds.instances import ManagedDatabases
from ..runtime.docker.runtime import DockerRuntime, local_images
from ..runtime.images import is_postgres_image
from ..runtime.process.app import AppRunner
from ..runtime.process.postgres import PostgresRunner
from ..runtime.process.runners import RunnerTable
from ..runtime.process.runtime import ProcessRuntime
from ..runtime.protocols import Runtime
from . import protocol
from .protocol import ServiceStatus

DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
RUNTIMES = ("process", "docker")


class RestartNeeded(HarnessError):
    """The deployed change needs a new stand-in (a new load balancer or database)."""


def fingerprint(stack: Stack) -> str:
    """Which deployment of which template the stand-in runs."""
    document = json.dumps([stack.id, stack.template], sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()


def load_deployed(stack_name: str) -> Stack:
    stack = Stack.load(stack_name)
    if stack.status not in DEPLOYED:
        raise HarnessError(f"stack {stack_name} is {stack.status}, not deployed")
    return stack


def runner_table(app_image: str) -> RunnerTable:
    """Which runner runs which image as a process. Another kind of image is a runner put in
    here."""
    app = AppRunner(Path(sys.executable).parent)
    return RunnerTable(
        [
            (f"the project image {app_image}", lambda image: image == app_image, app),
            ("postgres images", is_postgres_image, PostgresRunner()),
        ]
    )


def make_runtime(
    kind: str, app_image: str, stack: Stack, *, logs: CloudWatchLogs, processes: ProcessRegistry
) -> Runtime:
    """Processes from the checkout (`process`), or the images on a Docker engine (`docker`)."""
    if kind == "docker":
        # A stack created anew gets new file systems, hence new data volumes.
        scope = f"{stack.name}-{hashlib.sha256(stack.id.encode()).hexdigest()[:8]}"
        return DockerRuntime(local_images(app_image, POSTGRES_TAG), data_scope=scope, logs=logs)
    return ProcessRuntime(paths.STANDIN, runner_table(app_image), logs=logs, processes=processes)


class Daemon:
    def __init__(self, stack: Stack, app_image: str, runtime_kind: str) -> None:
        self.app_image = app_image
        self.runtime_kind = runtime_kind
        processes = self.processes = ProcessRegistry(paths.PROCESSES)
        logs = CloudWatchLogs(aws.client("logs"))
        self.runtime = make_runtime(runtime_kind, app_image, stack, logs=logs, processes=processes)
        rds_server = PostgresRunner(tls=True, listen=(self.runtime.host_address,))
        self.databases = ManagedDatabases(
            stack, paths.RDS, runner=rds_server, logs=logs, processes=processes
        )
        stack = names.resolving(self.databases.resolving(stack))
        spec = parse_service(stack)
        self.listener_port = _port_for(spec.listener.port)
        listeners = {PRODUCTION: spec.listener}
        self.listener_ports = {PRODUCTION: self.listener_port}
        if spec.blue_green is not None:
            listeners[TEST] = spec.blue_green.test_listener
            self.listener_ports[TEST] = _port_for(spec.blue_green.test_listener.port)
        self.front_door = build_front_door(
            stack,
            paths.FRONT_DOOR,
            origin_port=self.listener_port,
            https_port=443 if can_bind(443) else free_port(),
            http_port=free_port(),
        )
        self.balancer = HAProxy(
            paths.STANDIN, listeners, spec.target_groups, spec.idle_timeout, processes
        )
        cloudwatch = aws.client("cloudwatch")
        metrics = MetricStore()
        self.publisher = MetricPublisher(
            cloudwatch,
            access_log=self.balancer.log_path,
            dimensions=dimensions_of(stack, spec),
            store=metrics,
            rds=(stack, paths.RDS),
        )
        self.alarms = AlarmEvaluator(cloudwatch, metrics, AlarmSpec.parse_all(stack))
        self.service = Service(
            stack,
            spec,
            runtime=self.runtime,
            balancer=self.balancer,
            endpoints=self.databases.endpoints,
            on_target_health=self.publisher.observe_hosts,
            alarm_states=self.alarms.states,
        )

    def status(self) -> ServiceStatus:
        return dataclasses.replace(self.service.describe(), managed=self.databases.describe())

    def record(self, stack: Stack) -> None:
        """What `local-up` reads to tell whether this daemon runs the deployed template."""
        spec = self.service.spec
        info: dict[str, Any] = {
            "pid": os.getpid(),
            "stack": stack.name,
            "app_image": self.app_image,
            "runtime": self.runtime_kind,
            "fingerprint": fingerprint(stack),
            "alb_url": f"{spec.listener.protocol.lower()}://127.0.0.1:{self.listener_port}",
            "test_listener_url": (
                None
                if spec.blue_green is None
                else f"{spec.blue_green.test_listener.protocol.lower()}://127.0.0.1:"
                f"{self.listener_ports[TEST]}"
            ),
            "haproxy_pid": self.balancer.pid,
        }
        if self.front_door is not None:
            info["front_door_url"] = self.front_door.url
            info["front_door_http_url"] = self.front_door.http_url
            info["front_door_ca"] = str(self.front_door.certificates.ca)
            info["front_door_pid"] = self.front_door.pid
        paths.STANDIN_INFO.write_text(json.dumps(info, indent=2))

    async def reload(self) -> None:
        """Apply a newer deployment of the stack in place, as ECS would; what the running
        load balancer or databases cannot take raises RestartNeeded."""
        current = self.service.spec
        deployed = await asyncio.to_thread(load_deployed, self.service.stack.name)
        resolving = self.databases.adopt(deployed)
        if resolving is None:
            raise RestartNeeded("the stack's RDS instances changed")
        resolving = names.resolving(resolving)
        updated = await asyncio.to_thread(parse_service, resolving)
        if _front(updated) != _front(current):
            raise RestartNeeded("the listener or target group changed")
        if await asyncio.to_thread(front_door_spec, deployed) != self._front_door_spec():
            raise RestartNeeded("the distribution or its WebACL changed")
        self.service.update(resolving, updated)
        self.alarms.alarms = AlarmSpec.parse_all(resolving)
        await asyncio.to_thread(self.alarms.put_alarms)
        self.record(deployed)

    def _front_door_spec(self) -> Any:
        door = self.front_door
        return None if door is None else (door.distribution, door.rate_rules)

    async def handle(self, request: dict[str, Any]) -> ServiceStatus:
        op = request.get("op")
        if op == "scale":
            self.service.scale(int(request["count"]))
        elif op == "restart":
            self.service.restart()
        elif op == "reload":
            await self.reload()
        elif op == "restart-database":
            await self.databases.restart(request.get("instance"), float(request["down"]))
        elif op != "status":
            raise ValueError(f"unknown operation {op!r}")
        return self.status()

    async def run(self, stack: Stack) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        scheduler: asyncio.Task[None] | None = None
        watchers: list[asyncio.Task[None]] = []
        try:
            await self.balancer.start(self.listener_ports)
            if self.front_door is not None:
                await self.front_door.start(self.processes)
            await self.runtime.start()
            await self.databases.start()
            self.record(stack)
            server = await protocol.serve(paths.CONTROL_SOCKET, self.handle)
            scheduler = asyncio.create_task(self.service.run())
            watchers = [
                asyncio.create_task(self.publisher.run(), name="metrics"),
                asyncio.create_task(self.alarms.run(), name="alarms"),
            ]
            await stop.wait()
            server.close()
        finally:
            for watcher in watchers:
                watcher.cancel()
            if scheduler is not None:
                scheduler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await scheduler
            await self.service.shutdown()
            await self.databases.stop()
            await self.runtime.stop()
            if self.front_door is not None:
                await self.front_door.stop(self.processes)
            await self.balancer.stop()
            paths.CONTROL_SOCKET.unlink(missing_ok=True)


def _front(spec: ServiceSpec) -> tuple[Any, ...]:
    """What the running load balancer was built from."""
    test_listener = None if spec.blue_green is None else spec.blue_green.test_listener
    return (spec.listener, test_listener, spec.target_groups, spec.idle_timeout)


def _port_for(port: int) -> int:
    """A listener's own port when it is free here, another free one otherwise."""
    return port if can_bind(port) else free_port()


async def serve(stack_name: str, app_image: str, runtime_kind: str) -> None:
    stack = load_deployed(stack_name)
    await Daemon(stack, app_image, runtime_kind).run(stack)

"""What the scheduler's unit tests run it on: a balancer whose targets turn healthy (or not)
when told, a runner that starts a real short command, and a service spec to schedule."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from standin.alb.haproxy import TargetState
from standin.aws.awslogs import CloudWatchLogs
from standin.aws.stack import Stack
from standin.ecs.service import AlarmStates, Service
from standin.ecs.spec import (
    BlueGreenSpec,
    ContainerSpec,
    ListenerSpec,
    ServiceSpec,
    TargetGroupSpec,
    TaskDefinitionSpec,
)
from standin.runtime.network import Remap
from standin.runtime.process.runners import Launch, LaunchContext, RunnerTable
from standin.runtime.process.runtime import ProcessRuntime

from hostkit.processes import ProcessRegistry

IMAGE = "app:1"
SERVE = ["sleep", "600"]  # a container that serves until stopped


class FakeBalancer:
    """Targets start `initial`; they pass the health check `healthy_after` seconds after
    registering unless marked failing. Every state change is kept, for the tests to read."""

    def __init__(self, healthy_after: float = 0.1) -> None:
        self.port = 8080
        self.healthy_after = healthy_after
        self.registered: dict[str, float] = {}  # name -> when
        self.draining: set[str] = set()
        self.failing: set[str] = set()
        self.groups: dict[str, str] = {}  # target -> its target group
        self.routes: dict[str, str] = {}  # rule -> target group, once moved
        self.history: list[tuple[str, str]] = []  # (event, target or "rule group")

    @property
    def pid(self) -> int | None:
        return None

    async def targets(self) -> dict[str, TargetState]:
        now = time.monotonic()
        states = {}
        for name, since in self.registered.items():
            if name in self.draining:
                status, check = "DRAIN", "L7OK"
            elif name in self.failing:
                status, check = "DOWN", "L7STS"
            elif now - since >= self.healthy_after:
                status, check = "UP", "L7OK"
            else:
                status, check = "DOWN 1/2", "L7OK"
            states[name] = TargetState(name, status, check, 0, self.groups[name])
        return states

    async def register(self, name: str, address: str, port: int, group: str) -> None:
        self.registered[name] = time.monotonic()
        self.groups[name] = group
        self.history.append(("register", name))

    async def drain(self, name: str) -> None:
        self.draining.add(name)

    async def deregister(self, name: str) -> None:
        self.registered.pop(name, None)
        self.draining.discard(name)
        self.history.append(("deregister", name))

    async def route(self, route: str, group: str) -> None:
        self.routes[route] = group
        self.history.append(("route", f"{route} {group}"))


class CommandRunner:
    """Runs every container as one command (a real process): `sleep` serves until stopped,
    `false` exits at once."""

    stop_signal = signal.SIGTERM

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.prepared: list[str] = []  # the containers it started, by name

    async def prepare(self, context: LaunchContext, env: dict[str, str]) -> Launch:
        self.prepared.append(context.spec.name)
        return Launch(list(self.argv), env, context.root)

    def health_env(self, context: LaunchContext) -> dict[str, str]:
        return {}


class OwnCommandRunner:
    """Runs each container's own command (a real process), remapped as every runner does;
    keeps the order they started in."""

    stop_signal = signal.SIGTERM

    def __init__(self) -> None:
        self.started: list[str] = []

    async def prepare(self, context: LaunchContext, env: dict[str, str]) -> Launch:
        self.started.append(context.spec.name)
        argv = context.remap.apply_argv(context.spec.command)
        return Launch(argv, env, context.root)

    def health_env(self, context: LaunchContext) -> dict[str, str]:
        return {}


def container_spec(name: str = "app", **changes: object) -> ContainerSpec:
    values: dict[str, object] = {
        "name": name,
        "image": IMAGE,
        "essential": True,
        "entry_point": [],
        "command": [],
        "environment": {},
        "secrets": {},
        "ports": [5000],
        "health_check": None,
        "depends_on": [],
        "stop_timeout": 5,
        "log": None,
        "mounts": {},
        **changes,
    }
    return ContainerSpec(**values)  # type: ignore[arg-type]


TARGET_GROUP = TargetGroupSpec(
    port=5000,
    protocol="HTTP",
    health_check_path="/health",
    health_check_port="traffic-port",
    health_check_protocol="HTTP",
    interval=5,
    timeout=2,
    healthy_threshold=2,
    unhealthy_threshold=2,
    matcher="200",
    deregistration_delay=0,
    slow_start=0,
)


def blue_green_spec(bake_seconds: int = 1) -> BlueGreenSpec:
    return BlueGreenSpec(
        alternate_target_group_id="Alternate",
        alternate_target_group=TARGET_GROUP,
        test_listener=ListenerSpec(port=8080, protocol="HTTP"),
        bake_seconds=bake_seconds,
    )


def service_spec(
    desired: int = 2,
    minimum: int = 50,
    maximum: int = 200,
    grace: int = 0,
    blue_green: BlueGreenSpec | None = None,
    alarms: tuple[str, ...] = (),
) -> ServiceSpec:
    return ServiceSpec(
        name="Service",
        desired_count=desired,
        minimum_healthy_percent=minimum,
        maximum_percent=maximum,
        health_check_grace_period=grace,
        task_definition=TaskDefinitionSpec("family", [container_spec()], frozenset()),
        container_name="app",
        container_port=5000,
        target_group=TARGET_GROUP,
        listener=ListenerSpec(port=80, protocol="HTTP"),
        idle_timeout=60,
        target_group_id="TargetGroup",
        blue_green=blue_green,
        deployment_alarms=alarms,
        circuit_breaker=True,
    )


def empty_stack() -> Stack:
    return Stack(
        name="Test",
        id="arn:aws:cloudformation:us-east-1:000000000000:stack/Test/1",
        status="CREATE_COMPLETE",
        template={"Resources": {}},
        physical_ids={},
        parameters={},
        outputs={},
        region="us-east-1",
        account="000000000000",
    )


def make_service(
    tmp_path: Path,
    spec: ServiceSpec,
    balancer: FakeBalancer,
    runner: CommandRunner,
    alarm_states: AlarmStates | None = None,
) -> Service:
    return Service(
        empty_stack(),
        spec,
        runtime=ProcessRuntime(
            tmp_path,
            RunnerTable([("the test image", lambda image: image == IMAGE, runner)]),
            logs=CloudWatchLogs(client=None),  # no awslogs configuration: no client call
            processes=ProcessRegistry(tmp_path / "processes"),
        ),
        balancer=balancer,
        tick=0.05,
        alarm_states=alarm_states,
    )


async def wait_for(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {within} s")
        await asyncio.sleep(0.02)


def launch_context(
    tmp_path: Path, remap: Remap, volumes: dict[str, Path] | None = None, **spec: object
) -> LaunchContext:
    """What a runner sees of a container of `container_spec(**spec)`: its storage under
    tmp_path/root, the given volumes, its output dropped."""
    return LaunchContext(
        container_spec(**spec), remap, tmp_path / "root", volumes or {}, lambda line: None
    )


@asynccontextmanager
async def running(service: Service) -> AsyncIterator[Service]:
    """The scheduler running for the block; everything it started stopped after."""
    scheduler = asyncio.create_task(service.run())
    try:
        yield service
    finally:
        await service.shutdown()
        scheduler.cancel()
        await asyncio.gather(scheduler, return_exceptions=True)

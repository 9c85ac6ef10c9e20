"""The ECS service: keeps `desired_count` tasks running behind the target group, replaces
tasks that exit or fail their container or load-balancer health checks, scales, and rolls
deployments within the service's minimum/maximum healthy percent.

Deployments as the service's strategy says: rolling (one task at a time), or blue/green (the
new revision's tasks in the idle target group, which the test listener reaches; production
moved to them in one step once all are healthy; the old revision stopped after the bake;
rolled back to it when a deployment alarm goes to ALARM or the circuit breaker trips).

Task lifecycle, as ECS does it: PROVISIONING (ports, volumes) -> PENDING (containers start in
dependsOn order, each waiting for its dependencies' conditions) -> RUNNING (registered in the
target group, `initial` until the healthy threshold passes) -> DEPROVISIONING (deregistered:
draining until no request is in flight or the deregistration delay ends; then containers get
their stop signal, dependents first) -> STOPPED.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..alb.haproxy import PRODUCTION, TEST, TargetState
from ..aws.stack import Stack
from ..control.protocol import ContainerStatus, ServiceStatus, TargetGroupStatus, TaskStatus
from ..errors import HarnessError
from ..runtime.network import Remap
from ..runtime.protocols import Endpoints, Runtime, TaskContainer
from .blue_green import BlueGreenDeployment, circuit_breaker_threshold
from .dependencies import wait_for_dependencies
from .spec import ServiceSpec

log = logging.getLogger(__name__)

VPC = "AWS::EC2::VPC"
_KEEP_STOPPED = 10
ALARM_POLL = 2.0  # seconds between reads of the deployment alarms' states

# Alarm name -> (state, when it last changed, as a Unix time).
AlarmStates = Callable[[Sequence[str]], Awaitable[dict[str, tuple[str, float]]]]


class Balancer(Protocol):
    """The target groups and listeners in front of the service (HAProxy here)."""

    @property
    def port(self) -> int: ...

    @property
    def pid(self) -> int | None: ...

    async def targets(self) -> dict[str, TargetState]: ...

    async def register(self, name: str, address: str, port: int, group: str) -> None: ...

    async def drain(self, name: str) -> None: ...

    async def deregister(self, name: str) -> None: ...

    async def route(self, route: str, group: str) -> None: ...


@dataclass(eq=False)  # a task is itself, whatever its state
class Task:
    id: str
    generation: int
    spec: ServiceSpec  # as deployed when the task started
    remap: Remap
    address: str  # where the load balancer reaches the task's ports
    group: str  # the target group it registers in
    containers: list[TaskContainer] = field(default_factory=list)
    status: str = "PROVISIONING"
    desired_status: str = "RUNNING"
    stopped_reason: str = ""
    created_at: float = field(default_factory=time.monotonic)
    registered_at: float | None = None
    was_healthy: bool = False
    target: TargetState | None = None
    runner: asyncio.Task[None] | None = None
    teardown: asyncio.Task[None] | None = None

    @property
    def target_name(self) -> str:
        return f"task-{self.id[:12]}"

    @property
    def alb_state(self) -> str:
        return self.target.alb_state if self.target else "unregistered"

    @property
    def health_status(self) -> str:
        states = {c.health for c in self.containers if c.spec.essential and c.health != "NONE"}
        if "UNHEALTHY" in states:
            return "UNHEALTHY"
        if states == {"HEALTHY"}:
            return "HEALTHY"
        return "UNKNOWN"

    def describe(self) -> TaskStatus:
        return TaskStatus(
            id=self.id,
            generation=self.generation,
            status=self.status,
            desired_status=self.desired_status,
            health=self.health_status,
            target=self.target_name,
            target_state=self.alb_state,
            target_group=self.group,
            stopped_reason=self.stopped_reason,
            address=self.address,
            ports={str(k): v for k, v in self.remap.task_ports.items()},
            containers=[
                ContainerStatus(
                    name=c.spec.name,
                    image=c.spec.image,
                    pid=c.pid,
                    status=c.status,
                    health=c.health,
                    exit_code=c.exit_code,
                    log_stream=c.log_stream.name if c.log_stream else None,
                )
                for c in self.containers
            ],
        )


class Service:
    """The scheduler. What it runs on comes in built: the runtime its tasks run on, the
    balancer, the managed endpoints the tasks reach ((host, port) -> local port)."""

    def __init__(
        self,
        stack: Stack,
        spec: ServiceSpec,
        *,
        runtime: Runtime,
        balancer: Balancer,
        endpoints: Endpoints | None = None,
        tick: float = 0.5,
        on_target_health: Callable[[str, int, int], None] | None = None,
        alarm_states: AlarmStates | None = None,
    ) -> None:
        self.stack = stack
        self.spec = spec
        self.runtime = runtime
        self.balancer = balancer
        self.endpoints = endpoints or {}
        self.tick = tick
        # (target group, healthy, unhealthy) for each target group at every observation.
        self.on_target_health = on_target_health
        self.alarm_states = alarm_states  # where the deployment alarms' states are read
        self.desired_count = spec.desired_count
        self.generation = 1
        self._last_generation = 1  # a rollback returns to an older one; a new one is newer
        self.production = spec.target_group_id  # the target group production forwards to
        self.deployment: BlueGreenDeployment | None = None
        self.rollbacks: list[str] = []
        self._alarms: dict[str, tuple[str, float]] = {}
        self._alarms_read = 0.0
        self.tasks: list[Task] = []
        self.vpc_cidrs = _vpc_cidrs(stack)
        self._failures = 0
        self._next_start = 0.0
        self._stopping = False
        self.events: list[str] = []

    # -- control -------------------------------------------------------------------------

    def scale(self, count: int) -> None:
        if count < 0:
            raise ValueError("desired count must be >= 0")
        self._event(f"desired count {self.desired_count} -> {count}")
        self.desired_count = count

    def restart(self) -> None:
        """A new deployment of the same task definition (`--force-new-deployment`)."""
        self._new_generation()
        self._event(f"deployment {self.generation} started: the same task definition")

    def update(self, stack: Stack, spec: ServiceSpec) -> None:
        """An update of the deployed stack, as ECS applies one: a new desired count at once,
        a changed task definition as a deployment with the service's strategy."""
        rolled = (spec.task_definition, spec.container_name, spec.container_port) != (
            self.spec.task_definition,
            self.spec.container_name,
            self.spec.container_port,
        )
        self.stack, self.spec = stack, spec
        self.vpc_cidrs = _vpc_cidrs(stack)
        if spec.desired_count != self.desired_count:
            self.scale(spec.desired_count)
        if rolled:
            self._new_generation()
            self._event(f"deployment {self.generation} started: a new task definition")

    def _new_generation(self) -> None:
        self._last_generation += 1
        self.generation = self._last_generation

    def live(self) -> list[Task]:
        return [t for t in self.tasks if t.desired_status == "RUNNING"]

    def steady(self) -> bool:
        live = self.live()
        return (
            len(live) == self.desired_count
            and all(t.generation == self.generation and t.alb_state == "healthy" for t in live)
            and not any(t.status != "STOPPED" and t.desired_status == "STOPPED" for t in self.tasks)
        )

    def describe(self) -> ServiceStatus:
        target_group = self.spec.target_group
        return ServiceStatus(
            service=self.spec.name,
            container_name=self.spec.container_name,
            desired_count=self.desired_count,
            running_count=sum(1 for t in self.tasks if t.status == "RUNNING"),
            deployment=self.generation,
            steady=self.steady(),
            strategy="ROLLING" if self.spec.blue_green is None else "BLUE_GREEN",
            production_target_group=self.production,
            rollbacks=self.rollbacks[-10:],
            minimum_healthy_percent=self.spec.minimum_healthy_percent,
            maximum_percent=self.spec.maximum_percent,
            listener=f"{self.spec.listener.protocol} 127.0.0.1:{self.balancer.port}",
            balancer_pid=self.balancer.pid,
            target_group=TargetGroupStatus(
                health_check_path=target_group.health_check_path,
                interval=target_group.interval,
                healthy_threshold=target_group.healthy_threshold,
                unhealthy_threshold=target_group.unhealthy_threshold,
                deregistration_delay=target_group.deregistration_delay,
            ),
            managed=[],
            tasks=[t.describe() for t in self.tasks],
            events=self.events[-20:],
        )

    # -- scheduler -----------------------------------------------------------------------

    async def run(self) -> None:
        while not self._stopping:
            await self._observe()
            await self._reconcile()
            stopped = [t for t in self.tasks if t.status == "STOPPED"]
            if len(stopped) > _KEEP_STOPPED:
                self.tasks = [t for t in self.tasks if t not in stopped[:-_KEEP_STOPPED]]
            await asyncio.sleep(self.tick)

    async def _observe(self) -> None:
        targets = await self.balancer.targets()
        now = time.monotonic()
        for task in self.tasks:
            task.target = targets.get(task.target_name)
        if self.on_target_health is not None:
            # Before acting on them: a target replaced at this tick was unhealthy at it.
            for group in self.spec.target_groups:
                states = [
                    t.alb_state
                    for t in self.live()
                    if t.registered_at is not None and t.group == group
                ]
                self.on_target_health(group, states.count("healthy"), states.count("unhealthy"))
        await self._read_alarms(now)
        for task in self.tasks:
            if task.status != "RUNNING" or task.desired_status != "RUNNING":
                continue
            reason = ""
            for container in task.containers:
                if container.spec.essential and container.status == "STOPPED":
                    reason = (
                        f"Essential container in task exited (container {container.spec.name}, "
                        f"exit code {container.exit_code})"
                    )
                elif container.spec.essential and container.health == "UNHEALTHY":
                    reason = (
                        f"Task failed container health checks (container {container.spec.name})"
                    )
            if (
                not reason
                and task.registered_at is not None
                and now - task.registered_at >= self.spec.health_check_grace_period
                and task.alb_state == "unhealthy"
            ):
                reason = "Task failed ELB health checks in the target group"
            if reason:
                self._stop(task, reason, failed=True)
            elif task.alb_state == "healthy" and not task.was_healthy:
                task.was_healthy = True
                self._failures = 0  # a task came into service: no more backing off

    async def _read_alarms(self, now: float) -> None:
        """The deployment alarms' states, while a blue/green deployment runs."""
        names = self.spec.deployment_alarms
        if self.alarm_states is None or not names or self.deployment is None:
            return
        if now - self._alarms_read < ALARM_POLL:
            return
        self._alarms_read = now
        try:
            self._alarms = await self.alarm_states(names)
        except Exception as error:  # CloudWatch busy: the deployment waits for the next read
            log.warning("reading the deployment alarms failed: %s", error)

    async def _reconcile(self) -> None:
        live = self.live()
        current = [t for t in live if t.generation == self.generation]
        old = [t for t in live if t.generation != self.generation]
        if self.spec.blue_green is not None and (old or self.deployment is not None):
            await self._blue_green(current, old)
            return
        stopping = [
            t for t in self.tasks if t.desired_status == "STOPPED" and t.status != "STOPPED"
        ]
        healthy = [t for t in live if t.alb_state == "healthy"]
        min_healthy = math.ceil(self.desired_count * self.spec.minimum_healthy_percent / 100)
        max_running = math.floor(self.desired_count * self.spec.maximum_percent / 100)
        if old:
            # One at a time: wait while a new task is not yet healthy or a task is stopping.
            if stopping or any(t.alb_state != "healthy" for t in current):
                return
            if len(live) > self.desired_count and len(healthy) - 1 >= min_healthy:
                self._stop(self._pick(old), f"Deployment {self.generation} replaced this task")
            elif len(live) + 1 <= max_running and len(current) < self.desired_count:
                self._start(self.production)
            elif len(healthy) - 1 >= min_healthy or not healthy:
                self._stop(self._pick(old), f"Deployment {self.generation} replaced this task")
            return
        for _ in range(self.desired_count - len(current)):
            if not self._start(self.production):
                break
        for task in sorted(current, key=lambda t: (t.alb_state == "healthy", -t.created_at))[
            : max(0, len(current) - self.desired_count)
        ]:
            self._stop(task, "Service scaled in")

    async def _blue_green(self, current: list[Task], old: list[Task]) -> None:
        """One step of a blue/green deployment: green tasks up in the idle target group,
        production moved to them, the bake, blue stopped; or back to blue."""
        bg = self.spec.blue_green
        assert bg is not None
        deployment = self.deployment
        if deployment is None or deployment.generation != self.generation:
            if deployment is not None:  # superseded: its green tasks go, blue stays
                generation, spec = self.generation, self.spec
                await self._roll_back(deployment, f"deployment {generation} replaced it")
                self.generation, self.spec = generation, spec
            blue = [t for t in self.live() if t.generation != self.generation]
            groups = list(self.spec.target_groups)
            deployment = self.deployment = BlueGreenDeployment(
                generation=self.generation,
                blue_generation=blue[0].generation if blue else self.generation - 1,
                blue_spec=blue[0].spec if blue else self.spec,
                blue_group=self.production,
                green_group=groups[1] if groups[0] == self.production else groups[0],
                bake_seconds=bg.bake_seconds,
            )
            await self.balancer.route(TEST, deployment.green_group)
            self._event(
                f"deployment {self.generation}: green tasks in {deployment.green_group}, "
                "which the test listener now reaches"
            )
        fired = deployment.fired(self._alarms)
        if fired:
            await self._roll_back(deployment, f"alarm {fired} went to ALARM")
            return
        threshold = circuit_breaker_threshold(self.desired_count)
        if self.spec.circuit_breaker and deployment.failures >= threshold:
            await self._roll_back(
                deployment,
                f"circuit breaker: {deployment.failures} tasks failed to start or get healthy",
            )
            return
        for _ in range(self.desired_count - len(current)):
            if not self._start(deployment.green_group):
                break
        now = time.monotonic()
        if deployment.shifted is None:
            if len(current) >= self.desired_count and all(
                t.alb_state == "healthy" for t in current
            ):
                await self.balancer.route(PRODUCTION, deployment.green_group)
                self.production = deployment.green_group
                deployment.shifted = now
                self._event(
                    f"deployment {self.generation}: production traffic shifted to "
                    f"{deployment.green_group}; baking {deployment.bake_seconds} s"
                )
            return
        if now - deployment.shifted < deployment.bake_seconds:
            return
        for task in old:
            self._stop(task, f"Deployment {self.generation} completed: the bake ended")
        self.deployment = None
        self._event(f"deployment {self.generation} completed")

    async def _roll_back(self, deployment: BlueGreenDeployment, reason: str) -> None:
        """Production and the test listener back on blue, green stopped, the service back on
        blue's task definition."""
        await self.balancer.route(PRODUCTION, deployment.blue_group)
        await self.balancer.route(TEST, deployment.blue_group)
        self.production = deployment.blue_group
        for task in self.live():
            if task.generation == deployment.generation:
                self._stop(task, f"Deployment {deployment.generation} rolled back: {reason}")
        self.generation = deployment.blue_generation
        self.spec = dataclasses.replace(deployment.blue_spec, desired_count=self.spec.desired_count)
        self.deployment = None
        self.rollbacks.append(f"deployment {deployment.generation}: {reason}")
        self._event(f"deployment {deployment.generation} rolled back: {reason}")

    @staticmethod
    def _pick(tasks: list[Task]) -> Task:
        return sorted(tasks, key=lambda t: (t.alb_state == "healthy", t.created_at))[0]

    def _start(self, group: str) -> bool:
        if time.monotonic() < self._next_start:
            return False
        task_id = uuid.uuid4().hex
        address, remap = self.runtime.place(
            task_id, self.spec.task_definition, self.endpoints, self.vpc_cidrs
        )
        task = Task(task_id, self.generation, self.spec, remap, address, group)
        self.tasks.append(task)
        task.runner = asyncio.create_task(self._launch(task), name=f"launch {task.id}")
        return True

    async def _launch(self, task: Task) -> None:
        try:
            definition = task.spec.task_definition
            for spec in definition.start_order():
                task.containers.append(
                    self.runtime.container(task.id, task.address, task.remap, definition, spec)
                )
            task.status = "PENDING"
            self._event(f"task {task.id[:12]} started (deployment {task.generation})")
            for container in task.containers:
                await wait_for_dependencies(
                    container.spec, task.containers, wanted=lambda: task.desired_status == "RUNNING"
                )
                if task.desired_status != "RUNNING":
                    return
                await container.start()
            task.status = "RUNNING"
            await self.balancer.register(
                task.target_name,
                task.address,
                task.remap.local_port(task.spec.container_port),
                task.group,
            )
            task.registered_at = time.monotonic()
            self._event(f"task {task.id[:12]} registered as {task.target_name} in {task.group}")
        except (HarnessError, OSError, RuntimeError, TimeoutError) as error:
            self._stop(task, f"Task failed to start: {error}", failed=True)

    def _stop(self, task: Task, reason: str, *, failed: bool = False) -> None:
        if task.desired_status == "STOPPED":
            return
        task.desired_status = "STOPPED"
        task.stopped_reason = reason
        self._event(f"task {task.id[:12]} stopping: {reason}")
        if failed:
            if self.deployment is not None and task.generation == self.deployment.generation:
                self.deployment.failures += 1
            self._failures += 1
            self._next_start = time.monotonic() + min(2 ** (self._failures - 1), 30) - 1
        task.teardown = asyncio.create_task(self._teardown(task), name=f"stop {task.id}")

    async def _teardown(self, task: Task) -> None:
        if task.runner is not None and not task.runner.done():
            task.runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task.runner
        task.status = "DEPROVISIONING"
        if task.registered_at is not None:
            await self._drain(task)
        for container in reversed(task.containers):
            await container.stop()
        await self.runtime.release(task.id, task.address)
        task.status = "STOPPED"
        self._event(f"task {task.id[:12]} stopped")

    async def _drain(self, task: Task) -> None:
        """ELB deregistration: no new requests; done when none is in flight, or when the
        deregistration delay ends (then the remaining connections are closed)."""
        name = task.target_name
        await self.balancer.drain(name)
        deadline = time.monotonic() + self.spec.target_group.deregistration_delay
        while time.monotonic() < deadline:
            target = (await self.balancer.targets()).get(name)
            if target is None or target.current_sessions == 0:
                break
            await asyncio.sleep(0.2)
        await self.balancer.deregister(name)
        task.registered_at = None
        self._event(f"task {task.id[:12]} deregistered from the target group")

    async def shutdown(self) -> None:
        self._stopping = True
        for task in self.live():
            self._stop(task, "Stand-in stopped")
        await asyncio.gather(*(t.teardown for t in self.tasks if t.teardown))

    # -- helpers -------------------------------------------------------------------------

    def _event(self, message: str) -> None:
        log.info("%s", message)
        self.events.append(f"{time.strftime('%H:%M:%S')} {message}")
        del self.events[:-100]


def _vpc_cidrs(stack: Stack) -> tuple[str, ...]:
    return tuple(
        str(stack.resolve(props["CidrBlock"]))
        for _id, props in stack.of_type(VPC)
        if "CidrBlock" in props
    )

"""What the stand-in runs, read from the deployed stack: the ECS service and its task
definition, the target group and the listener in front of it.

Only values are parsed here; nothing is started. Defaults are the ones ECS and ELBv2 apply
when a property is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..aws.stack import Stack
from ..errors import HarnessError

ECS_SERVICE = "AWS::ECS::Service"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LISTENER_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"


@dataclass(frozen=True)
class HealthCheck:
    """A container health check (Docker semantics)."""

    command: list[str]
    interval: float = 30
    timeout: float = 5
    retries: int = 3
    start_period: float = 0

    @classmethod
    def parse(cls, props: dict[str, Any]) -> HealthCheck:
        return cls(
            command=[str(item) for item in props["Command"]],
            interval=float(props.get("Interval", 30)),
            timeout=float(props.get("Timeout", 5)),
            retries=int(props.get("Retries", 3)),
            start_period=float(props.get("StartPeriod", 0)),
        )


@dataclass(frozen=True)
class LogConfig:
    """The awslogs driver's options."""

    group: str
    stream_prefix: str
    create_group: bool

    def stream_name(self, container: str, task_id: str) -> str:
        # awslogs with a prefix names streams prefix/container-name/ecs-task-id.
        return f"{self.stream_prefix}/{container}/{task_id}" if self.stream_prefix else task_id


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    essential: bool
    entry_point: list[str]
    command: list[str]
    environment: dict[str, str]
    secrets: dict[str, str]  # variable name -> ValueFrom (a Secrets Manager or SSM reference)
    ports: list[int]
    health_check: HealthCheck | None
    depends_on: list[tuple[str, str]]  # (container name, condition)
    stop_timeout: float
    log: LogConfig | None
    mounts: dict[str, str]  # container path -> volume name
    user: str | None = None  # "uid[:gid]" or a name; None: the image's USER
    readonly_root_filesystem: bool = False


@dataclass(frozen=True)
class TaskDefinitionSpec:
    family: str
    containers: list[ContainerSpec]
    persistent_volumes: frozenset[str]  # volume names on EFS: they outlive the task
    task_role: bool = False  # a task role: its containers get credentials

    def container(self, name: str) -> ContainerSpec:
        for container in self.containers:
            if container.name == name:
                return container
        raise HarnessError(f"task definition {self.family} has no container {name}")

    def start_order(self) -> list[ContainerSpec]:
        """Containers in an order that starts every dependency before its dependents."""
        ordered: list[ContainerSpec] = []
        visiting: set[str] = set()

        def visit(container: ContainerSpec) -> None:
            if container in ordered:
                return
            if container.name in visiting:
                raise HarnessError(f"dependsOn cycle through container {container.name}")
            visiting.add(container.name)
            for dependency, _condition in container.depends_on:
                visit(self.container(dependency))
            visiting.discard(container.name)
            ordered.append(container)

        for container in self.containers:
            visit(container)
        return ordered


@dataclass(frozen=True)
class TargetGroupSpec:
    port: int
    protocol: str
    health_check_path: str
    health_check_port: str  # "traffic-port" or a number
    health_check_protocol: str
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int
    matcher: str
    deregistration_delay: int
    slow_start: int


@dataclass(frozen=True)
class FixedResponse:
    """A listener's fixed-response action."""

    status: int
    content_type: str = "text/plain"
    body: str = ""


@dataclass(frozen=True)
class HeaderCondition:
    """A listener rule's http-header condition: the header has one of `values` (ELB compares
    them case-insensitively). The origin secret is such a value: never printed."""

    name: str
    values: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class ListenerSpec:
    port: int
    protocol: str
    # Behind CloudFront: forward only requests meeting the forwarding rule's conditions, and
    # answer the others with the listener's default action, a fixed response.
    forward_if: tuple[HeaderCondition, ...] = ()
    refusal: FixedResponse | None = None


@dataclass(frozen=True)
class BlueGreenSpec:
    """ECS's blue/green strategy: the new revision's tasks register in the alternate target
    group, which the test listener reaches; production moves to them in one step, and the
    old revision stops only after the bake."""

    alternate_target_group_id: str
    alternate_target_group: TargetGroupSpec
    test_listener: ListenerSpec
    bake_seconds: int


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    desired_count: int
    minimum_healthy_percent: int
    maximum_percent: int
    health_check_grace_period: int
    task_definition: TaskDefinitionSpec
    container_name: str
    container_port: int
    target_group: TargetGroupSpec
    listener: ListenerSpec
    idle_timeout: int
    target_group_id: str = ""  # logical ids: what the load balancer's metrics are named by
    load_balancer_id: str | None = None
    blue_green: BlueGreenSpec | None = None  # None: rolling
    # Alarms that roll a deployment back when they go to ALARM during it.
    deployment_alarms: tuple[str, ...] = ()
    circuit_breaker: bool = False

    @property
    def target_groups(self) -> dict[str, TargetGroupSpec]:
        """The service's target groups by logical id, the one it starts in first."""
        groups = {self.target_group_id: self.target_group}
        if self.blue_green is not None:
            groups[self.blue_green.alternate_target_group_id] = (
                self.blue_green.alternate_target_group
            )
        return groups


def parse_service(stack: Stack) -> ServiceSpec:
    services = list(stack.of_type(ECS_SERVICE))
    if len(services) != 1:
        raise HarnessError(f"stack {stack.name} has {len(services)} ECS services; expected one")
    logical_id, props = services[0]

    task_definition_id = Stack.ref_target(props.get("TaskDefinition"))
    if task_definition_id is None or stack.type_of(task_definition_id) != TASK_DEFINITION:
        raise HarnessError(
            f"service {logical_id} does not reference a task definition in the stack"
        )
    task_definition = parse_task_definition(stack, task_definition_id)

    load_balancers = props.get("LoadBalancers") or []
    if len(load_balancers) != 1:
        raise HarnessError(
            f"service {logical_id} has {len(load_balancers)} load balancers; expected one"
        )
    load_balancer = load_balancers[0]
    target_group_id = Stack.ref_target(load_balancer.get("TargetGroupArn"))
    if target_group_id is None:
        raise HarnessError(f"service {logical_id}: target group is not a resource of the stack")
    # Blue/green names its production rule; the test listener's rule forwards to the same
    # target group and must not be taken for it.
    advanced = load_balancer.get("AdvancedConfiguration") or {}
    production_rule = Stack.ref_target(advanced.get("ProductionListenerRule"))
    listener, load_balancer_id = _listener_for(stack, target_group_id, production_rule)

    deployment = stack.resolve(props.get("DeploymentConfiguration") or {})
    blue_green = None
    if deployment.get("Strategy") == "BLUE_GREEN":
        blue_green = _blue_green(stack, logical_id, advanced, deployment)
    alarms = deployment.get("Alarms") or {}
    circuit_breaker = deployment.get("DeploymentCircuitBreaker") or {}
    idle_timeout = 60
    if load_balancer_id is not None:
        attributes = stack.resolve(
            stack.properties(load_balancer_id).get("LoadBalancerAttributes") or []
        )
        idle_timeout = int(_attribute(attributes, "idle_timeout.timeout_seconds", 60))

    desired = int(stack.resolve(props.get("DesiredCount", 1)))
    return ServiceSpec(
        name=str(stack.resolve(props.get("ServiceName") or logical_id)),
        desired_count=desired,
        minimum_healthy_percent=int(deployment.get("MinimumHealthyPercent", 100)),
        maximum_percent=int(deployment.get("MaximumPercent", 200)),
        health_check_grace_period=int(stack.resolve(props.get("HealthCheckGracePeriodSeconds", 0))),
        task_definition=task_definition,
        container_name=str(stack.resolve(load_balancer["ContainerName"])),
        container_port=int(stack.resolve(load_balancer["ContainerPort"])),
        target_group=parse_target_group(stack, target_group_id),
        listener=listener,
        idle_timeout=idle_timeout,
        target_group_id=target_group_id,
        load_balancer_id=load_balancer_id,
        blue_green=blue_green,
        deployment_alarms=(
            tuple(str(name) for name in alarms.get("AlarmNames") or [])
            if alarms.get("Enable") and alarms.get("Rollback")
            else ()
        ),
        circuit_breaker=bool(circuit_breaker.get("Enable") and circuit_breaker.get("Rollback")),
    )


def _blue_green(
    stack: Stack, service_id: str, advanced: dict[str, Any], deployment: dict[str, Any]
) -> BlueGreenSpec:
    alternate = Stack.ref_target(advanced.get("AlternateTargetGroupArn"))
    test_rule = Stack.ref_target(advanced.get("TestListenerRule"))
    if alternate is None or test_rule is None:
        raise HarnessError(
            f"service {service_id} deploys blue/green without an alternate target group and a "
            "test listener rule in the stack: not emulated locally"
        )
    test_listener, _ = _listener_for(stack, alternate, test_rule)
    return BlueGreenSpec(
        alternate_target_group_id=alternate,
        alternate_target_group=parse_target_group(stack, alternate),
        test_listener=test_listener,
        bake_seconds=60 * int(deployment.get("BakeTimeInMinutes", 0)),
    )


def parse_task_definition(stack: Stack, logical_id: str) -> TaskDefinitionSpec:
    props = stack.properties(logical_id)
    containers = [_container(stack, item) for item in props.get("ContainerDefinitions", [])]
    if not containers:
        raise HarnessError(f"task definition {logical_id} has no containers")
    return TaskDefinitionSpec(
        family=str(stack.resolve(props.get("Family", logical_id))),
        containers=containers,
        persistent_volumes=frozenset(
            str(volume["Name"])
            for volume in props.get("Volumes") or []
            if volume.get("EFSVolumeConfiguration")
        ),
        task_role=bool(props.get("TaskRoleArn")),
    )


def _container(stack: Stack, definition: dict[str, Any]) -> ContainerSpec:
    name = str(definition["Name"])
    health = definition.get("HealthCheck")
    log = None
    log_config = definition.get("LogConfiguration")
    if log_config and log_config.get("LogDriver") == "awslogs":
        options = stack.resolve(log_config.get("Options", {}))
        log = LogConfig(
            group=str(options["awslogs-group"]),
            stream_prefix=str(options.get("awslogs-stream-prefix", "")),
            create_group=str(options.get("awslogs-create-group", "false")).lower() == "true",
        )
    return ContainerSpec(
        name=name,
        image=str(stack.resolve(definition["Image"])),
        essential=bool(definition.get("Essential", True)),
        entry_point=[str(item) for item in stack.resolve(definition.get("EntryPoint") or [])],
        command=[str(item) for item in stack.resolve(definition.get("Command") or [])],
        environment={
            str(item["Name"]): str(stack.resolve(item["Value"]))
            for item in definition.get("Environment") or []
        },
        secrets={
            str(item["Name"]): str(stack.resolve(item["ValueFrom"]))
            for item in definition.get("Secrets") or []
        },
        ports=[
            int(stack.resolve(item["ContainerPort"]))
            for item in definition.get("PortMappings") or []
        ],
        health_check=HealthCheck.parse(stack.resolve(health)) if health else None,
        depends_on=[
            (str(item["ContainerName"]), str(item["Condition"]))
            for item in definition.get("DependsOn") or []
        ],
        stop_timeout=float(definition.get("StopTimeout", 30)),
        log=log,
        mounts={
            str(item["ContainerPath"]): str(item["SourceVolume"])
            for item in definition.get("MountPoints") or []
        },
        user=str(stack.resolve(definition["User"])) if definition.get("User") else None,
        readonly_root_filesystem=bool(definition.get("ReadonlyRootFilesystem", False)),
    )


def parse_target_group(stack: Stack, logical_id: str) -> TargetGroupSpec:
    if stack.type_of(logical_id) != TARGET_GROUP:
        raise HarnessError(f"{logical_id} is not a target group")
    props = stack.resolve(stack.properties(logical_id))
    attributes = props.get("TargetGroupAttributes") or []
    matcher = (props.get("Matcher") or {}).get("HttpCode", "200")
    return TargetGroupSpec(
        port=int(props.get("Port", 80)),
        protocol=str(props.get("Protocol", "HTTP")),
        health_check_path=str(props.get("HealthCheckPath", "/")),
        health_check_port=str(props.get("HealthCheckPort", "traffic-port")),
        health_check_protocol=str(props.get("HealthCheckProtocol", props.get("Protocol", "HTTP"))),
        interval=int(props.get("HealthCheckIntervalSeconds", 30)),
        timeout=int(props.get("HealthCheckTimeoutSeconds", 5)),
        healthy_threshold=int(props.get("HealthyThresholdCount", 5)),
        unhealthy_threshold=int(props.get("UnhealthyThresholdCount", 2)),
        matcher=str(matcher),
        deregistration_delay=int(
            _attribute(attributes, "deregistration_delay.timeout_seconds", 300)
        ),
        slow_start=int(_attribute(attributes, "slow_start.duration_seconds", 0)),
    )


def _listener_for(
    stack: Stack, target_group_id: str, production_rule: str | None = None
) -> tuple[ListenerSpec, str | None]:
    listeners = dict(stack.of_type(LISTENER))
    # A listener forwards by its default action or by a rule: behind CloudFront only a rule
    # does (for requests carrying the origin secret), the default action refusing the rest.
    forwarding: list[tuple[str | None, Any, Any]] = [
        (logical_id, props.get("DefaultActions"), None) for logical_id, props in listeners.items()
    ]
    forwarding += [
        (Stack.ref_target(props.get("ListenerArn")), props.get("Actions"), props.get("Conditions"))
        for logical_id, props in stack.of_type(LISTENER_RULE)
        if production_rule in (None, logical_id)
    ]
    for listener_id, actions, conditions in forwarding:
        if listener_id in listeners and any(
            _forwards_to(action, target_group_id) for action in actions or []
        ):
            props = listeners[listener_id]
            listener = ListenerSpec(
                port=int(stack.resolve(props["Port"])),
                protocol=str(stack.resolve(props.get("Protocol", "HTTP"))),
            )
            if conditions is not None:
                listener = _ruled(stack, listener, conditions, props.get("DefaultActions") or [])
            return listener, Stack.ref_target(props.get("LoadBalancerArn"))
    raise HarnessError(f"no listener forwards to target group {target_group_id}")


def _ruled(
    stack: Stack, listener: ListenerSpec, conditions: Any, default_actions: list[Any]
) -> ListenerSpec:
    """The listener forwarding by a rule: its http-header conditions, its default response."""
    forward_if = []
    for condition in stack.resolve(conditions):
        config = condition.get("HttpHeaderConfig")
        if condition.get("Field") != "http-header" or not config:
            raise HarnessError(f"listener rule condition {condition} is not emulated locally")
        values = tuple(str(value) for value in config.get("Values") or [])
        if any(wildcard in value for value in values for wildcard in "*?"):
            raise HarnessError("a listener rule's header wildcards are not emulated locally")
        forward_if.append(HeaderCondition(str(config["HttpHeaderName"]), values))
    [default] = [stack.resolve(action) for action in default_actions] or [{}]
    if default.get("Type") != "fixed-response":
        raise HarnessError(f"the listener's default action {default} is not emulated locally")
    config = default.get("FixedResponseConfig") or {}
    refusal = FixedResponse(
        status=int(config["StatusCode"]),
        content_type=str(config.get("ContentType", "text/plain")),
        body=str(config.get("MessageBody", "")),
    )
    return ListenerSpec(listener.port, listener.protocol, tuple(forward_if), refusal)


def _forwards_to(action: dict[str, Any], target_group_id: str) -> bool:
    targets = [action.get("TargetGroupArn")]
    targets += [
        item.get("TargetGroupArn")
        for item in (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    ]
    return action.get("Type") == "forward" and any(
        Stack.ref_target(target) == target_group_id for target in targets
    )


def _attribute(attributes: list[dict[str, Any]], key: str, default: Any) -> Any:
    for attribute in attributes:
        if attribute.get("Key") == key:
            return attribute.get("Value", default)
    return default

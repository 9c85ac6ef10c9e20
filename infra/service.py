"""The container platform: ECS cluster, the Fargate task (app container, plus the database in
sidecar mode), and the service behind the load balancer's target group."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Annotations, Duration, Names, RemovalPolicy, Validations
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import AuthMode
from infra.database import Database
from infra.images import acknowledge_ecr_authorization, container_image
from infra.network import VPC_CIDR
from infra.traffic import APP_PORT

APP_COMMAND = ["todo-async", "serve", "--host", "0.0.0.0", "--port", str(APP_PORT)]
HEALTHCHECK_COMMAND = [
    "CMD",
    "todo-async",
    "healthcheck",
    "--url",
    f"http://127.0.0.1:{APP_PORT}/health",
]
# ECS waits STOP_TIMEOUT after SIGTERM before SIGKILL; the app drains for SHUTDOWN_TIMEOUT,
# which must stay below it. Both follow the target group's deregistration delay.
STOP_TIMEOUT = Duration.seconds(30)
SHUTDOWN_TIMEOUT_SECONDS = 20
# Rds mode's auto scaling targets.
CPU_TARGET_PERCENT = 60
REQUESTS_PER_TARGET_PER_MINUTE = 30_000
# The synth warning an open-mode stack carries (acknowledge it with this id to silence it).
OPEN_LIST_WARNING_ID = "todo-async:OpenList"
OPEN_LIST_WARNING = (
    "authMode=open: the service runs one shared list without sign-in behind a public load "
    "balancer; anyone who finds its URL can read, change and delete every todo. Use it for "
    "a throwaway demo only; deploy authMode=accounts for real lists."
)


@dataclass(frozen=True)
class BlueGreen:
    """What ECS's blue/green deployments move traffic with (see infra/traffic.py)."""

    alternate_target_group: elbv2.ApplicationTargetGroup
    production_rule: elbv2.ApplicationListenerRule
    test_rule: elbv2.ApplicationListenerRule
    bake_time: Duration


class Service(Construct):
    """Cluster, task definition and Fargate service registered in `target_group`; with
    `blue_green`, deployed blue/green between it and the alternate target group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        database: Database,
        target_group: elbv2.ApplicationTargetGroup,
        load_balancer: elbv2.ApplicationLoadBalancer,
        blue_green: BlueGreen | None,
        image: str | None,
        cpu: int,
        memory: int,
        desired_count: int,
        max_capacity: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        auth_mode: AuthMode,
        cors_allow_origins: str,
        log_level: str,
        viewer_headers: dict[str, str],
        context_environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)

        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention, removal_policy=removal_policy
        )

        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=cpu,
            memory_limit_mib=memory,
            runtime_platform=ecs.RuntimePlatform(
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
                cpu_architecture=ecs.CpuArchitecture.X86_64,
            ),
        )
        database_container = database.add_to_task(self.task_definition, self._logging("db"))

        self.app_container = self.task_definition.add_container(
            "app",
            container_name="app",
            image=container_image(self, image),
            command=APP_COMMAND,
            essential=True,
            environment={
                "DATABASE_URL": database.url,
                "MIGRATION_DATABASE_URL": database.migration_url,
                # Set in both modes: the app serves an open list beyond loopback only when
                # AUTH_MODE says so.
                "AUTH_MODE": auth_mode.value,
                # Trust X-Forwarded-For/-Proto only from inside the VPC, i.e. from the ALB.
                "FORWARDED_ALLOW_IPS": VPC_CIDR,
                "CORS_ALLOW_ORIGINS": cors_allow_origins,
                "LOG_LEVEL": log_level,
                "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT_SECONDS),
                **viewer_headers,
                **context_environment,
                **database.environment,
            },
            secrets={
                "DATABASE_PASSWORD": database.runtime_password,
                "MIGRATION_DATABASE_PASSWORD": database.password,
            },
            port_mappings=[
                ecs.PortMapping(container_port=APP_PORT, name="http", protocol=ecs.Protocol.TCP)
            ],
            health_check=ecs.HealthCheck(
                command=HEALTHCHECK_COMMAND,
                interval=Duration.seconds(10),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(20),
            ),
            stop_timeout=STOP_TIMEOUT,
            readonly_root_filesystem=True,
            logging=self._logging("app"),
        )
        # The root filesystem is read-only; /tmp is task-local scratch space.
        self.task_definition.add_volume(name="tmp")
        self.app_container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)
        )
        acknowledge_ecr_authorization(self.task_definition, image)
        if auth_mode is AuthMode.OPEN:
            Annotations.of(self.task_definition).add_warning_v2(
                OPEN_LIST_WARNING_ID, OPEN_LIST_WARNING
            )
        if database_container is not None:
            self.app_container.add_container_dependencies(
                ecs.ContainerDependency(
                    container=database_container,
                    condition=ecs.ContainerDependencyCondition.HEALTHY,
                )
            )
        Validations.of(self.task_definition).acknowledge(
            Acknowledgment(
                id="AwsSolutions-ECS2",
                reason=(
                    "The plain environment holds only non-secret settings (URL without password, "
                    "log level, CORS origins, timeouts); the password is an ECS secret."
                ),
            ),
        )

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="todo-async tasks: port 5000 from the load balancer only",
            # Out only to the database (opened by `database.connect`) and HTTPS.
            allow_all_outbound=False,
        )
        # ECR, S3 (image layers), Secrets Manager and CloudWatch Logs, through the NAT gateways:
        # their addresses are not fixed, the port is.
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs"
        )

        # Sidecar: one task owns the database files, so never run two (stop, then start).
        # Rds: tasks are stateless; roll new ones in before old ones leave.
        single = database.single_writer
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=1 if single else desired_count,
            min_healthy_percent=0 if single else 100,
            max_healthy_percent=100 if single else 200,
            # Rebalancing moves tasks between zones by starting before stopping.
            availability_zone_rebalancing=(
                ecs.AvailabilityZoneRebalancing.DISABLED
                if single
                else ecs.AvailabilityZoneRebalancing.ENABLED
            ),
            # Blue/green (rds mode) starts the new revision beside the old one on the alternate
            # target group; sidecar mode cannot run two tasks, so it stays rolling.
            deployment_strategy=(
                ecs.DeploymentStrategy.ROLLING
                if blue_green is None
                else ecs.DeploymentStrategy.BLUE_GREEN
            ),
            bake_time=None if blue_green is None else blue_green.bake_time,
            # Catches a revision that never gets healthy; the deployment alarms (added by the
            # stack) catch one that is healthy and wrong.
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=Duration.seconds(60),
            vpc_subnets=subnets,
            security_groups=[self.security_group],
            assign_public_ip=False,
            platform_version=ecs.FargatePlatformVersion.VERSION1_4,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
        )
        target_group.add_target(
            self.service.load_balancer_target(
                container_name="app",
                container_port=APP_PORT,
                alternate_target=(
                    None
                    if blue_green is None
                    else ecs.AlternateTarget(
                        "AlternateTarget",
                        alternate_target_group=blue_green.alternate_target_group,
                        production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(
                            blue_green.production_rule
                        ),
                        test_listener=ecs.ListenerRuleConfiguration.application_listener_rule(
                            blue_green.test_rule
                        ),
                    )
                ),
            )
        )
        if blue_green is not None:
            # The role ECS itself assumes to move the listener rules' weights.
            role = self.service.node.find_child("AlternateTargetRole")
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    "AmazonECSInfrastructureRolePolicyForLoadBalancers]",
                    reason=(
                        "The role ECS assumes for blue/green deployments: AWS's managed policy "
                        "for it lets ECS read and change this account's load balancer listeners, "
                        "rules and target groups, which is the whole job, and follows ECS's "
                        "needs as the feature changes."
                    ),
                ),
            )
        database.connect(self.service)

        if not single:
            scaling = self.service.auto_scale_task_count(
                min_capacity=desired_count, max_capacity=max_capacity
            )
            scaling.scale_on_cpu_utilization(
                "CpuScaling",
                target_utilization_percent=CPU_TARGET_PERCENT,
                scale_out_cooldown=Duration.seconds(60),
                scale_in_cooldown=Duration.seconds(300),
            )
            target = scaling.node.find_child("Target")
            assert isinstance(target, appscaling.ScalableTarget)
            target_groups = [target_group]
            if blue_green is not None:
                target_groups.append(blue_green.alternate_target_group)
            self._scale_on_requests(target, target_groups)

    def _scale_on_requests(
        self,
        target: appscaling.ScalableTarget,
        target_groups: list[elbv2.ApplicationTargetGroup],
    ) -> None:
        """Track requests per task, summed over the target groups: blue/green deployments
        alternate which one is live, so a policy on one of them would go blind after every
        other deployment. Metric math is the only way to follow both (CDK's target tracking
        takes a single metric), hence the plain CloudFormation policy. The dimension is the
        target group's FullName attribute, which LocalStack's placeholder also answers."""
        policy = appscaling.CfnScalingPolicy
        queries = [
            policy.TargetTrackingMetricDataQueryProperty(
                id=f"group{index}",
                return_data=False,
                metric_stat=policy.TargetTrackingMetricStatProperty(
                    metric=policy.TargetTrackingMetricProperty(
                        namespace="AWS/ApplicationELB",
                        metric_name="RequestCountPerTarget",
                        dimensions=[
                            policy.TargetTrackingMetricDimensionProperty(
                                name="TargetGroup", value=group.target_group_full_name
                            )
                        ],
                    ),
                    stat="Sum",
                ),
            )
            for index, group in enumerate(target_groups)
        ]
        summed = " + ".join(f"FILL(group{index}, 0)" for index in range(len(target_groups)))
        queries.append(
            policy.TargetTrackingMetricDataQueryProperty(
                id="requests", label="Requests per task", expression=summed, return_data=True
            )
        )
        policy(
            self,
            "RequestScaling",
            policy_name=f"{Names.unique_id(self)}RequestScaling",
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.scalable_target_id,
            target_tracking_scaling_policy_configuration=policy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=REQUESTS_PER_TARGET_PER_MINUTE,
                scale_out_cooldown=60,
                scale_in_cooldown=300,
                customized_metric_specification=policy.CustomizedMetricSpecificationProperty(
                    metrics=queries
                ),
            ),
        )

    def _logging(self, stream_prefix: str) -> ecs.LogDriver:
        return ecs.LogDrivers.aws_logs(
            stream_prefix=stream_prefix,
            log_group=self.log_group,
            mode=ecs.AwsLogDriverMode.NON_BLOCKING,
        )

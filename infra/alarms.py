"""Alarms: an encrypted SNS topic that pages someone (mail optional), and the CloudWatch
alarms that publish to it, on the load balancer, the service, the database and the service's
own security events. docs/operations.md says what each means and what to do.

Each alarm is a plain metric alarm (one metric, one statistic) except the one on healthy
targets in blue/green mode, which sums the two target groups: ECS alternates which one is
live, so either alone would report "no healthy target" after every other deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import AlarmSettings
from infra.database import Database, RdsDatabase, SidecarDatabase

MIB = 1024 * 1024
# The security events alarmed on (docs/security.md, "Security events"): the metric each
# becomes, and the event's name in the log line.
SECURITY_EVENTS = {"SignInFailures": "sign_in_failed", "Lockouts": "lockout"}

Missing = cloudwatch.TreatMissingData
Comparison = cloudwatch.ComparisonOperator


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: its metric, when it fires, and what missing data means for it. A metric
    with a label would make CDK write the alarm in metric-math form: give none."""

    name: str
    metric: cloudwatch.IMetric
    comparison: cloudwatch.ComparisonOperator
    threshold: float
    periods: int
    missing: cloudwatch.TreatMissingData
    description: str


class Alarms(Construct):
    """`topic`, and `alarms` by name; `deployment_alarm_names` name the ones that roll a
    deployment back (errors and latency: what a healthy but wrong release shows)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: AlarmSettings,
        load_balancer: elbv2.ApplicationLoadBalancer,
        target_groups: list[elbv2.ApplicationTargetGroup],
        service: ecs.FargateService,
        log_group: logs.ILogGroup,
        database: Database,
        metric_namespace: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.period = Duration.seconds(settings.period_seconds)
        self.metric_namespace = metric_namespace
        self.name_prefix = Stack.of(self).stack_name
        self.topic = self._topic(settings.email, settings.topic_key)
        self.security_metrics = {
            name: self._security_metric(log_group, name, event)
            for name, event in SECURITY_EVENTS.items()
        }

        specs = [
            *self._load_balancer_specs(load_balancer, target_groups),
            *self._service_specs(service),
            *self._database_specs(database),
            *self._security_specs(),
        ]
        self.alarms = {spec.name: self._alarm(spec) for spec in specs}
        self.deployment_alarm_names = [
            self.alarm_name(name)
            for name in ("TargetServerErrors", "LoadBalancerServerErrors", "LatencyP99")
        ]

    def _topic(self, email: str | None, given_key: str | None) -> sns.Topic:
        topic = sns.Topic(
            self,
            "Topic",
            display_name="todo-async alarms",
            master_key=self._topic_key(given_key),
            enforce_ssl=True,
        )
        if email is not None:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic

    def _topic_key(self, given: str | None) -> kms.IKey:
        """The given key, or one of the stack's own: CloudWatch must be allowed to use it,
        which the AWS-managed SNS key's policy does not allow."""
        if given is not None:
            if given.startswith("alias/"):
                return kms.Alias.from_alias_name(self, "TopicKey", given)
            return kms.Key.from_key_arn(self, "TopicKey", given)
        key = kms.Key(
            self,
            "TopicKey",
            description="todo-async: encrypts the alarm topic",
            enable_key_rotation=True,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        return key

    def _security_metric(
        self, log_group: logs.ILogGroup, name: str, event: str
    ) -> cloudwatch.Metric:
        metric_filter = logs.MetricFilter(
            self,
            f"{name}Filter",
            log_group=log_group,
            filter_pattern=logs.FilterPattern.literal(
                f'{{ $.logger = "todo_async.security" && $.event = "{event}" }}'
            ),
            metric_namespace=self.metric_namespace,
            metric_name=name,
            metric_value="1",
        )
        return metric_filter.metric(statistic="Sum", period=self.period)

    def _load_balancer_specs(
        self,
        load_balancer: elbv2.ApplicationLoadBalancer,
        target_groups: list[elbv2.ApplicationTargetGroup],
    ) -> list[AlarmSpec]:
        settings, metrics = self.settings, load_balancer.metrics
        # Counts, not a rate: a rate needs metric math, and at this service's traffic a rate
        # swings wildly (one 500 among two requests is 50 %). ALB publishes these counts only
        # when non-zero: missing data is no error.
        specs = [
            AlarmSpec(
                name="TargetServerErrors",
                metric=metrics.http_code_target(
                    elbv2.HttpCodeTarget.TARGET_5XX_COUNT, statistic="Sum", period=self.period
                ),
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.server_errors,
                periods=2,
                missing=Missing.NOT_BREACHING,
                description="The service answered more 5xx than alarmServerErrors per period",
            ),
            AlarmSpec(
                name="LoadBalancerServerErrors",
                metric=metrics.http_code_elb(
                    elbv2.HttpCodeElb.ELB_5XX_COUNT, statistic="Sum", period=self.period
                ),
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.server_errors,
                periods=2,
                missing=Missing.NOT_BREACHING,
                description=(
                    "The load balancer answered 5xx itself (no healthy target, a target that "
                    "reset or timed out) more than alarmServerErrors per period"
                ),
            ),
            AlarmSpec(
                name="LatencyP99",
                metric=metrics.target_response_time(statistic="p99", period=self.period),
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.latency_p99_ms / 1000,
                periods=3,
                # No requests, no latency: the healthy-target alarm watches a silent service.
                missing=Missing.NOT_BREACHING,
                description="The slowest 1 % of answers took longer than alarmLatencyP99Ms",
            ),
        ]
        for index, group in enumerate(target_groups):
            suffix = "" if index == 0 else "Alternate"
            specs.append(
                AlarmSpec(
                    name=f"UnhealthyTargets{suffix}",
                    metric=self._target_group_metric(
                        load_balancer, group, "UnHealthyHostCount", "Maximum"
                    ),
                    comparison=Comparison.GREATER_THAN_THRESHOLD,
                    threshold=0,
                    # Three periods: a task that fails its health check is replaced within
                    # about two minutes; one still unhealthy after three is not being fixed.
                    periods=3,
                    # A target group without targets (the idle one in blue/green) reports
                    # nothing: nobody unhealthy.
                    missing=Missing.NOT_BREACHING,
                    description="A target failed its health checks for three periods",
                )
            )
        specs.append(
            AlarmSpec(
                name="NoHealthyTargets",
                metric=self._healthy_targets(load_balancer, target_groups),
                comparison=Comparison.LESS_THAN_THRESHOLD,
                threshold=1,
                periods=2,
                # No report at all means no target to count: nothing serves.
                missing=Missing.BREACHING,
                description="No target is healthy: the load balancer has nothing to send to",
            )
        )
        return specs

    def _target_group_metric(
        self,
        load_balancer: elbv2.ApplicationLoadBalancer,
        group: elbv2.ApplicationTargetGroup,
        name: str,
        statistic: str,
    ) -> cloudwatch.Metric:
        """A target group's metric, its LoadBalancer dimension from the load balancer's
        FullName attribute: CDK's own splits it out of a listener's ARN, which fails on
        LocalStack (its ELBv2 placeholder's ARN reads "unknown")."""
        return cloudwatch.Metric(
            namespace="AWS/ApplicationELB",
            metric_name=name,
            dimensions_map={
                "LoadBalancer": load_balancer.load_balancer_full_name,
                "TargetGroup": group.target_group_full_name,
            },
            statistic=statistic,
            period=self.period,
        )

    def _healthy_targets(
        self,
        load_balancer: elbv2.ApplicationLoadBalancer,
        target_groups: list[elbv2.ApplicationTargetGroup],
    ) -> cloudwatch.IMetric:
        counts = [
            self._target_group_metric(load_balancer, group, "HealthyHostCount", "Minimum")
            for group in target_groups
        ]
        if len(counts) == 1:
            return counts[0]
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL(m{index}, 0)" for index in range(len(counts))),
            using_metrics={f"m{index}": count for index, count in enumerate(counts)},
            label="Healthy targets (both target groups)",
            period=self.period,
        )

    def _service_specs(self, service: ecs.FargateService) -> list[AlarmSpec]:
        settings = self.settings
        # Five periods: auto scaling (rds mode) answers a CPU target of 60 % within a few
        # minutes; still above the threshold after five, it could not (or sidecar mode's one
        # task cannot grow). No data means no running task, the healthy-target alarm's case.
        return [
            AlarmSpec(
                name="ServiceCpu",
                metric=service.metric_cpu_utilization(statistic="Average", period=self.period),
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.cpu_percent,
                periods=5,
                missing=Missing.NOT_BREACHING,
                description="The service's tasks used more CPU than alarmCpuPercent",
            ),
            AlarmSpec(
                name="ServiceMemory",
                metric=service.metric_memory_utilization(statistic="Average", period=self.period),
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.memory_percent,
                periods=5,
                missing=Missing.NOT_BREACHING,
                description="The service's tasks used more memory than alarmMemoryPercent",
            ),
        ]

    def _database_specs(self, database: Database) -> list[AlarmSpec]:
        settings = self.settings
        if isinstance(database, RdsDatabase):
            instance = database.instance
            return [
                AlarmSpec(
                    name="DatabaseCpu",
                    metric=instance.metric_cpu_utilization(statistic="Average", period=self.period),
                    comparison=Comparison.GREATER_THAN_THRESHOLD,
                    threshold=settings.db_cpu_percent,
                    periods=5,
                    # An instance that stops reporting pages once, through free storage.
                    missing=Missing.NOT_BREACHING,
                    description="The RDS instance used more CPU than alarmDbCpuPercent",
                ),
                AlarmSpec(
                    name="DatabaseFreeStorage",
                    metric=instance.metric_free_storage_space(
                        statistic="Minimum", period=self.period
                    ),
                    comparison=Comparison.LESS_THAN_THRESHOLD,
                    threshold=settings.db_free_storage_mib * MIB,
                    periods=2,
                    # RDS reports it every minute while the instance runs: silence is an
                    # instance down.
                    missing=Missing.BREACHING,
                    description="The RDS instance has less free storage than alarmDbFreeStorageMib",
                ),
                AlarmSpec(
                    name="DatabaseConnections",
                    metric=instance.metric_database_connections(
                        statistic="Maximum", period=self.period
                    ),
                    comparison=Comparison.GREATER_THAN_THRESHOLD,
                    threshold=settings.db_connections,
                    periods=3,
                    missing=Missing.NOT_BREACHING,
                    description="More connections to the RDS instance than alarmDbConnections",
                ),
            ]
        assert isinstance(database, SidecarDatabase)
        return [
            AlarmSpec(
                name="FileSystemIo",
                metric=database.metric_io_limit(self.period),
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.efs_io_percent,
                periods=5,
                missing=Missing.NOT_BREACHING,
                description="The database's EFS file system is near its I/O limit",
            )
        ]

    def _security_specs(self) -> list[AlarmSpec]:
        settings = self.settings
        # One period: a burst of guessing is the event; the metric exists only for periods
        # with a matching log line, so missing data is none.
        return [
            AlarmSpec(
                name="SignInFailures",
                metric=self.security_metrics["SignInFailures"],
                comparison=Comparison.GREATER_THAN_THRESHOLD,
                threshold=settings.sign_in_failures,
                periods=1,
                missing=Missing.NOT_BREACHING,
                description="More wrong passwords than alarmSignInFailures per period",
            ),
            AlarmSpec(
                name="Lockouts",
                metric=self.security_metrics["Lockouts"],
                comparison=Comparison.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                threshold=settings.lockouts,
                periods=1,
                missing=Missing.NOT_BREACHING,
                description="At least alarmLockouts sign-in budgets filled in a period",
            ),
        ]

    def alarm_name(self, name: str) -> str:
        return f"{self.name_prefix}-{name}"

    def _alarm(self, spec: AlarmSpec) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            spec.name,
            # Named: readable in the console and the local stand-in, and the deployment
            # configuration names its alarms without a reference to them.
            alarm_name=self.alarm_name(spec.name),
            metric=spec.metric,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.periods,
            treat_missing_data=spec.missing,
            alarm_description=spec.description,
        )
        action = actions.SnsAction(self.topic)
        # Both ways: the page, and the all-clear.
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

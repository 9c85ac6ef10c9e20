"""The CloudWatch dashboard: the golden signals (traffic, errors, latency, saturation), the
task count, the deploys and the alarms, on one page."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from infra.alarms import Alarms
from infra.database import Database, RdsDatabase, SidecarDatabase

PERIOD = Duration.minutes(1)
WIDTH = 8  # three graphs a row (the grid is 24 wide)
# Container Insights' per-service metrics: the task count and the deployments.
CONTAINER_INSIGHTS = "ECS/ContainerInsights"


class Dashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        load_balancer: elbv2.ApplicationLoadBalancer,
        service: ecs.FargateService,
        database: Database,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        lb = load_balancer.metrics
        insights = {
            "ClusterName": service.cluster.cluster_name,
            "ServiceName": service.service_name,
        }

        def insight(name: str, label: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=CONTAINER_INSIGHTS,
                metric_name=name,
                dimensions_map=insights,
                statistic="Maximum",
                period=PERIOD,
                label=label,
            )

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        self.dashboard.add_widgets(
            self._graph(
                "Traffic: requests",
                [lb.request_count(statistic="Sum", period=PERIOD, label="requests")],
            ),
            self._graph(
                "Errors: 5xx",
                [
                    lb.http_code_target(
                        elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
                        statistic="Sum",
                        period=PERIOD,
                        label="service 5xx",
                    ),
                    lb.http_code_elb(
                        elbv2.HttpCodeElb.ELB_5XX_COUNT,
                        statistic="Sum",
                        period=PERIOD,
                        label="load balancer 5xx",
                    ),
                ],
            ),
            self._graph(
                "Latency (seconds)",
                [
                    lb.target_response_time(statistic=statistic, period=PERIOD, label=statistic)
                    for statistic in ("p50", "p99")
                ],
            ),
        )
        self.dashboard.add_widgets(
            self._graph(
                "Saturation: service CPU and memory (%)",
                [
                    service.metric_cpu_utilization(period=PERIOD, label="CPU"),
                    service.metric_memory_utilization(period=PERIOD, label="memory"),
                ],
            ),
            self._graph("Saturation: database", self._database_metrics(database)),
            self._graph(
                "Tasks and deploys",
                [
                    insight("RunningTaskCount", "running tasks"),
                    insight("DesiredTaskCount", "desired tasks"),
                    insight("DeploymentCount", "deployments under way"),
                ],
            ),
        )
        self.dashboard.add_widgets(
            self._graph("Security events", list(alarms.security_metrics.values())),
            cloudwatch.AlarmStatusWidget(
                title="Alarms",
                alarms=list(alarms.alarms.values()),
                width=2 * WIDTH,
                height=6,
            ),
        )

    @staticmethod
    def _graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=metrics, width=WIDTH, height=6)

    @staticmethod
    def _database_metrics(database: Database) -> list[cloudwatch.IMetric]:
        if isinstance(database, RdsDatabase):
            return [
                database.instance.metric_database_connections(period=PERIOD, label="connections"),
                database.instance.metric_cpu_utilization(period=PERIOD, label="CPU %"),
            ]
        assert isinstance(database, SidecarDatabase)
        return [database.metric_io_limit(PERIOD).with_(label="EFS I/O limit %")]

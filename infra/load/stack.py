"""The load generators' stack: deployed only on request (`make deploy-load`), into the
service stack's VPC, aimed at that stack's load balancer."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, Stack, Tags
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.load.config import LoadSettings
from infra.load.generators import REPORTS_PREFIX, LoadGenerators
from infra.stack import TodoAsyncStack


class TodoAsyncLoadStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: TodoAsyncStack,
        settings: LoadSettings,
        log_retention: logs.RetentionDays,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add("project", "todo-async")

        generators = LoadGenerators(
            self,
            "LoadGenerators",
            vpc=service.vpc,
            target_url=service.url,
            settings=settings,
            log_retention=log_retention,
        )
        private = service.private_subnets.subnet_type
        subnets = service.vpc.select_subnets(subnet_type=private).subnet_ids
        network = (
            f"awsvpcConfiguration={{subnets=[{Fn.join(',', subnets)}],"
            f"securityGroups=[{generators.security_group.security_group_id}],"
            "assignPublicIp=DISABLED}"
        )
        CfnOutput(
            self,
            "RunTaskCommand",
            description="Starts one load run; its reports land in ReportsLocation",
            value=(
                f"aws ecs run-task --cluster {generators.cluster.cluster_name}"
                f" --task-definition {generators.task_definition.task_definition_arn}"
                f" --launch-type FARGATE --network-configuration '{network}'"
            ),
        )
        CfnOutput(
            self,
            "ReportsLocation",
            value=f"s3://{generators.bucket.bucket_name}/{REPORTS_PREFIX}/",
        )
        CfnOutput(self, "ClusterName", value=generators.cluster.cluster_name)
        CfnOutput(self, "TaskDefinitionArn", value=generators.task_definition.task_definition_arn)
        CfnOutput(self, "LogGroupName", value=generators.log_group.log_group_name)

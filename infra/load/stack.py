"""The load generators' stack: deployed only on request (`make deploy-load`), into the
service stack's VPC, aimed at that stack's load balancer, both read from the service
stack's named exports (infra/exports.py)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.exports import AVAILABILITY_ZONES, ServiceExports
from infra.load.config import LoadSettings
from infra.load.generators import REPORTS_PREFIX, LoadGenerators


class TodoAsyncLoadStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: ServiceExports,
        settings: LoadSettings,
        log_retention: logs.RetentionDays,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add("project", "todo-async")

        # What the security group and the cluster belong to; the task's subnets are given
        # to each run (RunTaskCommand).
        vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "ServiceVpc",
            vpc_id=Fn.import_value(service.vpc_id),
            availability_zones=[Fn.select(i, Fn.get_azs()) for i in range(AVAILABILITY_ZONES)],
        )
        subnet_ids = Fn.import_value(service.private_subnet_ids)
        generators = LoadGenerators(
            self,
            "LoadGenerators",
            vpc=vpc,
            target_url=Fn.import_value(service.load_balancer_url),
            settings=settings,
            log_retention=log_retention,
        )
        network = (
            f"awsvpcConfiguration={{subnets=[{subnet_ids}],"
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

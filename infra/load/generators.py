"""Locust as one Fargate task, run on demand: a master and its workers, side by side.

The master and the workers share the task's network namespace, so the workers reach the
master on 127.0.0.1 and nothing listens outside the task: the security group has no
ingress at all. The master waits for every worker, runs the profile against the service's
load balancer, judges it, and copies the run's folder to the results bucket
(`reports/<profile>-<time>/`). A finished run ends the task: it is started with
`aws ecs run-task` (the stack's RunTaskCommand output), not kept running by a service.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.images import REPO_ROOT, acknowledge_ecr_authorization, container_image
from infra.load.config import LoadSettings

REPORTS_PREFIX = "reports"
MASTER_PORT = 5557
# Locust writes its reports after the stop signal; the copy to S3 follows.
STOP_TIMEOUT = Duration.seconds(120)


class LoadGenerators(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        target_url: str,
        settings: LoadSettings,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)

        # Reports outlive the stack (`cdk destroy` leaves the bucket and its objects).
        self.bucket = s3.Bucket(
            self,
            "Results",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "Holds only load-test reports, written by the load generators' task role "
                    "and read by operators through IAM; CloudTrail records those calls."
                ),
            )
        )
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="todo-async load generators: no ingress, egress to the service load "
            "balancer, S3, CloudWatch Logs and ECR",
            allow_all_outbound=True,
        )

        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=settings.cpu,
            memory_limit_mib=settings.memory,
            runtime_platform=ecs.RuntimePlatform(
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
                cpu_architecture=ecs.CpuArchitecture.X86_64,
            ),
        )
        # The root filesystems are read-only: the master writes its run here, and
        # matplotlib its cache to /tmp.
        self.task_definition.add_volume(name="results")
        self.task_definition.add_volume(name="tmp")
        image = container_image(self, settings.image, REPO_ROOT / "loadtest")

        master = self._add_container(
            "master",
            image,
            [
                *("--profile", settings.profile, "--host", target_url),
                *("--master", "--master-bind-host", "127.0.0.1"),
                *("--master-bind-port", str(MASTER_PORT)),
                *("--expect-workers", str(settings.workers)),
                *("--results-s3", f"s3://{self.bucket.bucket_name}/{REPORTS_PREFIX}"),
                *settings.arguments,
            ],
            essential=True,
        )
        # Declared for what runs the task off Fargate (the local stand-in gives each task
        # its own ports); nothing outside the task reaches it, the security group admits none.
        master.add_port_mappings(ecs.PortMapping(container_port=MASTER_PORT))
        master.add_mount_points(
            ecs.MountPoint(container_path="/results", source_volume="results", read_only=False)
        )
        for number in range(1, settings.workers + 1):
            worker = self._add_container(
                f"worker{number}",
                image,
                ["--worker", "--master-host", "127.0.0.1", "--master-port", str(MASTER_PORT)],
                # A lost worker is the master's to report: it fails the run.
                essential=False,
            )
            worker.add_container_dependencies(
                ecs.ContainerDependency(
                    container=master, condition=ecs.ContainerDependencyCondition.START
                )
            )
        # Writes only: new report objects under reports/, and giving up a failed upload.
        self.task_definition.add_to_task_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[self.bucket.arn_for_objects(f"{REPORTS_PREFIX}/*")],
            )
        )
        bucket = self.bucket.node.default_child
        assert isinstance(bucket, s3.CfnBucket)
        bucket_id = Stack.of(self).get_logical_id(bucket)
        Validations.of(self.task_definition.task_role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{REPORTS_PREFIX}/*]",
                reason="Each run writes a new folder of reports under the reports/ prefix.",
            )
        )
        acknowledge_ecr_authorization(self.task_definition, settings.image)

    def _add_container(
        self, name: str, image: ecs.ContainerImage, command: list[str], *, essential: bool
    ) -> ecs.ContainerDefinition:
        container = self.task_definition.add_container(
            name,
            container_name=name,
            image=image,
            command=command,
            essential=essential,
            readonly_root_filesystem=True,
            stop_timeout=STOP_TIMEOUT,
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="load",
                log_group=self.log_group,
                mode=ecs.AwsLogDriverMode.NON_BLOCKING,
            ),
        )
        container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)
        )
        return container

"""The database, in one of two modes, and the generated credentials both share.

`sidecar`: PostgreSQL runs as a second container in the service's task, its data on an
encrypted EFS access point so it outlives the task. `rds`: an RDS PostgreSQL instance in
the private subnets. Either way the service migrates as the owner (`todo`) and serves as a
runtime role (`todo_app`) that can only read and write the tables (the app makes and grants
it, src/todo_async/database/roles.py). Both passwords are generated in Secrets Manager and
reach the containers only as ECS secrets.
"""

from __future__ import annotations

import json
from abc import abstractmethod

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

DB_NAME = "todo"
DB_USER = "todo"
# The role the service serves as: rows only, no DDL.
DB_RUNTIME_USER = "todo_app"
DB_PORT = 5432
# Where the image keeps the RDS certificate authorities (Dockerfile, RDS_CA_BUNDLE_URL).
RDS_CA_BUNDLE = "/etc/ssl/rds/global-bundle.pem"
# The official image through ECR Public (no Docker Hub pull limits), pinned by digest (the
# tag's index, the same manifest as on Docker Hub); Debian-based, so the `postgres` user is
# uid/gid 999, which the EFS access point below is made for.
POSTGRES_IMAGE = (
    "public.ecr.aws/docker/library/postgres:17.9-bookworm"
    "@sha256:47f917f7409eacd22fc5dfb1dee634e1b55cf0c01d1a7eb701be2227a03e0641"
)
POSTGRES_UID = "999"
PGDATA_MOUNT = "/var/lib/postgresql/data"
# Where PostgreSQL writes besides its data directory: the socket and lock files, and the
# entrypoint's scratch files. Task-local volumes, so the root filesystem can be read-only.
POSTGRES_SCRATCH = {"pgrun": "/var/run/postgresql", "pgtmp": "/tmp"}


class Database(Construct):
    """What the service needs from a database: a URL, the password secret, network access,
    and (sidecar only) a container to run beside the app."""

    #: the app's DATABASE_URL (the runtime role) and MIGRATION_DATABASE_URL (the owner);
    #: neither carries a password (those arrive as DATABASE_PASSWORD and
    #: MIGRATION_DATABASE_PASSWORD).
    url: str
    migration_url: str
    #: more of the app's environment the database needs.
    environment: dict[str, str] = {}  # noqa: RUF012 (never changed in place)

    def __init__(self, scope: Construct, construct_id: str, *, retain_data: bool) -> None:
        super().__init__(scope, construct_id)
        self.removal_policy = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY
        self.secret = self._credentials("Secret", DB_USER, "the owner: migrations")
        self.runtime_secret = self._credentials(
            "RuntimeSecret", DB_RUNTIME_USER, "the service's runtime role: rows only"
        )

    def _credentials(self, construct_id: str, username: str, who: str) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            construct_id,
            description=f"todo-async PostgreSQL credentials of {who} (username, password)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"username": username}),
                generate_string_key="password",
                password_length=32,
                # Letters and digits only: safe in a URL, a shell and a libpq string.
                exclude_punctuation=True,
            ),
            removal_policy=self.removal_policy,
        )
        Validations.of(secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason=(
                    "No automatic rotation: ECS injects the password when a task starts, so a "
                    "rotation would lock out running tasks (and, in sidecar mode, PostgreSQL only "
                    "reads it when initialising its data directory). Rotate by updating the "
                    "secret and redeploying."
                ),
            ),
        )
        return secret

    @property
    def password(self) -> ecs.Secret:
        """The owner's."""
        return ecs.Secret.from_secrets_manager(self.secret, "password")

    @property
    def runtime_password(self) -> ecs.Secret:
        return ecs.Secret.from_secrets_manager(self.runtime_secret, "password")

    @property
    @abstractmethod
    def single_writer(self) -> bool:
        """True when at most one task may run at a time (it owns the database files)."""

    @abstractmethod
    def connect(self, service: ecs.FargateService) -> None:
        """Open the database to `service` and nothing else; start the service's tasks only
        once the database can be reached."""

    @abstractmethod
    def add_to_task(
        self, task_definition: ecs.FargateTaskDefinition, logging: ecs.LogDriver
    ) -> ecs.ContainerDefinition | None:
        """Add what the task needs; return a container the app must wait for, if any."""


class SidecarDatabase(Database):
    """PostgreSQL in the task, data on an encrypted EFS access point owned by uid 999."""

    url = f"postgresql://{DB_RUNTIME_USER}@localhost:{DB_PORT}/{DB_NAME}"
    migration_url = f"postgresql://{DB_USER}@localhost:{DB_PORT}/{DB_NAME}"

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, retain_data: bool
    ) -> None:
        super().__init__(scope, construct_id, retain_data=retain_data)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="todo-async database volume: NFS from the service only",
            allow_all_outbound=False,
        )
        self.file_system = efs.FileSystem(
            self,
            "FileSystem",
            vpc=vpc,
            security_group=self.security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            encrypted=True,
            enable_automatic_backups=True,
            performance_mode=efs.PerformanceMode.GENERAL_PURPOSE,
            throughput_mode=efs.ThroughputMode.ELASTIC,
            removal_policy=self.removal_policy,
        )
        self.file_system.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyUnencryptedTransport",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["*"],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        )
        self.access_point = self.file_system.add_access_point(
            "AccessPoint",
            path="/pgdata",
            create_acl=efs.Acl(owner_uid=POSTGRES_UID, owner_gid=POSTGRES_UID, permissions="700"),
            posix_user=efs.PosixUser(uid=POSTGRES_UID, gid=POSTGRES_UID),
        )

    @property
    def single_writer(self) -> bool:
        return True

    def metric_io_limit(self, period: Duration) -> cloudwatch.Metric:
        """How near the file system is to its I/O limit (%); reported only while there is
        I/O. Elastic throughput has no burst credits, so this is what can run out."""
        return cloudwatch.Metric(
            namespace="AWS/EFS",
            metric_name="PercentIOLimit",
            dimensions_map={"FileSystemId": self.file_system.file_system_id},
            statistic="Maximum",
            period=period,
        )

    def connect(self, service: ecs.FargateService) -> None:
        self.file_system.connections.allow_default_port_from(service, "NFS from the service")
        # A task started before the mount targets exist fails to mount its volume.
        service.node.add_dependency(self.file_system.mount_targets_available)

    def add_to_task(
        self, task_definition: ecs.FargateTaskDefinition, logging: ecs.LogDriver
    ) -> ecs.ContainerDefinition:
        task_definition.add_volume(
            name="pgdata",
            efs_volume_configuration=ecs.EfsVolumeConfiguration(
                file_system_id=self.file_system.file_system_id,
                transit_encryption="ENABLED",
                authorization_config=ecs.AuthorizationConfig(
                    access_point_id=self.access_point.access_point_id, iam="ENABLED"
                ),
            ),
        )
        task_definition.add_to_task_role_policy(
            iam.PolicyStatement(
                actions=["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                # The file system's ARN built from its id: the same string as its Arn
                # attribute, and one that LocalStack (where EFS is a placeholder whose
                # attributes read "unknown") accepts in a policy.
                resources=[
                    Stack.of(self).format_arn(
                        service="elasticfilesystem",
                        resource="file-system",
                        resource_name=self.file_system.file_system_id,
                    )
                ],
                conditions={
                    "StringEquals": {
                        "elasticfilesystem:AccessPointArn": self.access_point.access_point_arn
                    }
                },
            )
        )
        container = task_definition.add_container(
            "db",
            container_name="db",
            image=ecs.ContainerImage.from_registry(POSTGRES_IMAGE),
            essential=True,
            # Run as the access point's owner so the entrypoint skips its chown and the files
            # on EFS stay owned by 999 whatever the image does.
            user=f"{POSTGRES_UID}:{POSTGRES_UID}",
            environment={
                "POSTGRES_USER": DB_USER,
                "POSTGRES_DB": DB_NAME,
                # A subdirectory: initdb wants an empty directory it can create itself.
                "PGDATA": f"{PGDATA_MOUNT}/pgdata",
            },
            secrets={"POSTGRES_PASSWORD": self.password},
            port_mappings=[
                ecs.PortMapping(container_port=DB_PORT, name="postgres", protocol=ecs.Protocol.TCP)
            ],
            health_check=ecs.HealthCheck(
                command=[
                    "CMD-SHELL",
                    f"pg_isready --host 127.0.0.1 --port {DB_PORT} "
                    f"--username {DB_USER} --dbname {DB_NAME}",
                ],
                interval=Duration.seconds(5),
                timeout=Duration.seconds(3),
                retries=5,
                # First start runs initdb on EFS.
                start_period=Duration.seconds(60),
            ),
            # Time for a clean shutdown checkpoint before SIGKILL.
            stop_timeout=Duration.seconds(60),
            readonly_root_filesystem=True,
            logging=logging,
        )
        container.add_mount_points(
            ecs.MountPoint(container_path=PGDATA_MOUNT, source_volume="pgdata", read_only=False)
        )
        for volume, path in POSTGRES_SCRATCH.items():
            task_definition.add_volume(name=volume)
            container.add_mount_points(
                ecs.MountPoint(container_path=path, source_volume=volume, read_only=False)
            )
        return container


class RdsDatabase(Database):
    """RDS PostgreSQL in the private subnets: encrypted, backed up, reachable from the service."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        retain_data: bool,
        instance_type: str,
        multi_az: bool,
        ssl_mode: str,
    ) -> None:
        super().__init__(scope, construct_id, retain_data=retain_data)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="todo-async database: PostgreSQL from the service only",
            allow_all_outbound=False,
        )
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17),
            instance_type=ec2.InstanceType(instance_type),
            vpc=vpc,
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            credentials=rds.Credentials.from_secret(self.secret),
            database_name=DB_NAME,
            port=DB_PORT,
            multi_az=multi_az,
            storage_encrypted=True,
            storage_type=rds.StorageType.GP3,
            allocated_storage=20,
            max_allocated_storage=100,
            backup_retention=Duration.days(7),
            preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:04:30-sun:05:30",
            auto_minor_version_upgrade=True,
            publicly_accessible=False,
            deletion_protection=retain_data,
            removal_policy=RemovalPolicy.SNAPSHOT if retain_data else RemovalPolicy.DESTROY,
        )
        # PostgreSQL 15+ on RDS refuses unencrypted connections (rds.force_ssl=1); verify-full
        # also checks the certificate against the RDS CAs the image carries (Dockerfile).
        address = f"{self.instance.db_instance_endpoint_address}:{DB_PORT}/{DB_NAME}"
        self.url = f"postgresql://{DB_RUNTIME_USER}@{address}?ssl={ssl_mode}"
        self.migration_url = f"postgresql://{DB_USER}@{address}?ssl={ssl_mode}"
        if ssl_mode == "verify-full":
            self.environment = {"PGSSLROOTCERT": RDS_CA_BUNDLE}
        Validations.of(self.instance).acknowledge(
            Acknowledgment(
                id="AwsSolutions-RDS11",
                reason=(
                    "The default port 5432 is kept: the instance is in private subnets and its "
                    "security group admits only the service; a different port hides nothing."
                ),
            ),
        )
        if not multi_az:
            Validations.of(self.instance).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-RDS3",
                    reason=(
                        "Single-AZ by default to halve the instance cost; set -c dbMultiAz=true "
                        "for a standby in the second availability zone."
                    ),
                ),
            )
        if not retain_data:
            Validations.of(self.instance).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-RDS10",
                    reason="retainData=false asks for a disposable stack, one destroy removes.",
                )
            )

    @property
    def single_writer(self) -> bool:
        return False

    def connect(self, service: ecs.FargateService) -> None:
        self.instance.connections.allow_default_port_from(service, "PostgreSQL from the service")
        service.node.add_dependency(self.instance)

    def add_to_task(
        self, task_definition: ecs.FargateTaskDefinition, logging: ecs.LogDriver
    ) -> None:
        return None

"""The default deployment (cdk.json as is): database=sidecar, image built from the Dockerfile,
a NAT gateway per availability zone, HTTPS through CloudFront."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk.assertions import Annotations, Match

from tests.infra.conftest import Synthesized, no_plaintext_secrets, synthesize


@pytest.fixture(scope="module")
def synth(outdir: Path) -> Synthesized:
    return synthesize(outdir)


# --- network ---


def test_vpc_cidr(synth: Synthesized) -> None:
    synth.template.resource_count_is("AWS::EC2::VPC", 1)
    assert synth.resources["Vpc"]["Properties"]["CidrBlock"] == "10.0.0.0/16"


def test_two_public_and_two_private_slash_24_subnets_in_two_zones(synth: Synthesized) -> None:
    subnets = [s["Properties"] for s in synth.of_type("AWS::EC2::Subnet").values()]
    assert sorted(s["CidrBlock"] for s in subnets) == [f"10.0.{i}.0/24" for i in range(4)]
    public = [s for s in subnets if s["MapPublicIpOnLaunch"]]
    private = [s for s in subnets if not s["MapPublicIpOnLaunch"]]
    assert len(public) == len(private) == 2
    assert {str(s["AvailabilityZone"]) for s in public} == {
        str(s["AvailabilityZone"]) for s in private
    }
    assert len({str(s["AvailabilityZone"]) for s in subnets}) == 2


def test_internet_gateway_and_a_nat_gateway_per_public_subnet(synth: Synthesized) -> None:
    synth.template.resource_count_is("AWS::EC2::InternetGateway", 1)
    synth.template.resource_count_is("AWS::EC2::NatGateway", 2)
    synth.template.resource_count_is("AWS::EC2::EIP", 2)
    nat_routes = [
        r for r in synth.of_type("AWS::EC2::Route").values() if "NatGatewayId" in r["Properties"]
    ]
    # Each private route table sends its default route through its own zone's NAT gateway.
    assert len(nat_routes) == 2
    assert len({str(r["Properties"]["NatGatewayId"]) for r in nat_routes}) == 2


def test_vpc_flow_logs_with_retention(synth: Synthesized) -> None:
    synth.template.has_resource_properties(
        "AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL"}
    )
    flow_log_group = synth.resources["NetworkFlowLogGroup4F8CEEEF"]
    assert flow_log_group["Properties"]["RetentionInDays"] == 30


# --- traffic ---


def test_public_load_balancer_in_public_subnets(synth: Synthesized) -> None:
    lb = synth.resources["LoadBalancer"]["Properties"]
    assert lb["Scheme"] == "internet-facing"
    assert lb["Type"] == "application"
    public_subnet_ids = {
        k
        for k, v in synth.of_type("AWS::EC2::Subnet").items()
        if v["Properties"]["MapPublicIpOnLaunch"]
    }
    assert {s["Ref"] for s in lb["Subnets"]} == public_subnet_ids
    attributes = {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == {"Ref": "AccessLogsBucket"}


def test_http_listener_on_80_forwards_to_target_group_on_5000(synth: Synthesized) -> None:
    # Only behind the origin secret: tests/infra/test_front_door.py.
    synth.template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    listener = synth.resources["HttpListener"]["Properties"]
    assert listener["Port"] == 80
    assert listener["Protocol"] == "HTTP"
    rule = synth.resources["OriginListenerRule"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "HttpListener"}
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]
    target_group = synth.resources["TargetGroup"]["Properties"]
    assert target_group["Port"] == 5000
    assert target_group["Protocol"] == "HTTP"
    assert target_group["TargetType"] == "ip"


def test_target_group_health_check_and_deregistration_delay(synth: Synthesized) -> None:
    target_group = synth.resources["TargetGroup"]["Properties"]
    assert target_group["HealthCheckPath"] == "/health"
    assert target_group["Matcher"] == {"HttpCode": "200"}
    assert target_group["HealthCheckIntervalSeconds"] == 10
    assert target_group["HealthCheckTimeoutSeconds"] == 5
    assert target_group["HealthyThresholdCount"] == 2
    assert target_group["UnhealthyThresholdCount"] == 3
    attributes = {a["Key"]: a["Value"] for a in target_group["TargetGroupAttributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "30"


def test_access_log_bucket_encrypted_private_and_ssl_only(synth: Synthesized) -> None:
    bucket = synth.resources["AccessLogsBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    properties = bucket["Properties"]
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    synth.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": "AccessLogsBucket"},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_load_balancer_takes_only_http_from_cloudfront(synth: Synthesized) -> None:
    group = {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]}
    assert "SecurityGroupIngress" not in synth.resources["LoadBalancerSecurityGroup"]["Properties"]
    [ingress] = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group
    ]
    assert (ingress["FromPort"], ingress["ToPort"]) == (80, 80)
    assert "CidrIp" not in ingress
    [lookup] = synth.of_type("Custom::AWS")
    assert ingress["SourcePrefixListId"] == {"Fn::GetAtt": [lookup, "PrefixLists.0.PrefixListId"]}


def test_tasks_admit_port_5000_only_from_the_load_balancer(synth: Synthesized) -> None:
    group = synth.resources["ServiceSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in group
    service_group = {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]}
    ingress = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == service_group
    ]
    assert ingress == [
        {
            "Description": "Load balancer to target",
            "FromPort": 5000,
            "ToPort": 5000,
            "IpProtocol": "tcp",
            "GroupId": service_group,
            "SourceSecurityGroupId": {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]},
        }
    ]


def test_tasks_reach_out_only_to_the_database_and_https(synth: Synthesized) -> None:
    group = synth.resources["ServiceSecurityGroup"]["Properties"]
    assert [(r["CidrIp"], r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in group[
        "SecurityGroupEgress"
    ]] == [("0.0.0.0/0", "tcp", 443, 443)]  # fmt: skip
    service_group = {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]}
    egress = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == service_group
    ]
    # The database volume's NFS port, nothing else.
    assert [(e["FromPort"], e["DestinationSecurityGroupId"]) for e in egress] == [
        (2049, {"Fn::GetAtt": ["FileSystemSecurityGroup", "GroupId"]})
    ]


def test_the_vpc_default_security_group_is_stripped_of_its_rules(synth: Synthesized) -> None:
    [restrict] = synth.of_type("Custom::VpcRestrictDefaultSG").values()
    assert restrict["Properties"]["DefaultSecurityGroupId"] == {
        "Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]
    }


# --- container platform ---


def test_cluster_has_container_insights(synth: Synthesized) -> None:
    settings = synth.resources["Cluster"]["Properties"]["ClusterSettings"]
    assert settings == [{"Name": "containerInsights", "Value": "enabled"}]


def test_task_size_from_context_defaults(synth: Synthesized) -> None:
    task = synth.resources["TaskDefinition"]["Properties"]
    assert (task["Cpu"], task["Memory"]) == ("512", "1024")
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["NetworkMode"] == "awsvpc"


def test_app_container(synth: Synthesized) -> None:
    app = synth.containers()["app"]
    assert app["Command"] == ["todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"]
    assert app["PortMappings"] == [{"ContainerPort": 5000, "Name": "http", "Protocol": "tcp"}]
    environment = {e["Name"]: e["Value"] for e in app["Environment"]}
    assert environment == {
        "DATABASE_URL": "postgresql://todo_app@localhost:5432/todo",
        "MIGRATION_DATABASE_URL": "postgresql://todo@localhost:5432/todo",
        "AUTH_MODE": "accounts",
        "FORWARDED_ALLOW_IPS": "10.0.0.0/16",
        "CORS_ALLOW_ORIGINS": "*",
        "LOG_LEVEL": "info",
        "SHUTDOWN_TIMEOUT": "20",
        "FORWARDED_PROTO_HEADER": "CloudFront-Forwarded-Proto",
        "FORWARDED_CLIENT_HEADER": "CloudFront-Viewer-Address",
    }
    # The runtime role's password, and the owner's for migrations.
    assert [s["Name"] for s in app["Secrets"]] == [
        "DATABASE_PASSWORD",
        "MIGRATION_DATABASE_PASSWORD",
    ]
    assert app["HealthCheck"]["Command"] == [
        "CMD",
        "todo-async",
        "healthcheck",
        "--url",
        "http://127.0.0.1:5000/health",
    ]
    # The app drains for SHUTDOWN_TIMEOUT seconds, inside ECS's stop timeout.
    assert int(environment["SHUTDOWN_TIMEOUT"]) < app["StopTimeout"] == 30
    assert app["DependsOn"] == [{"ContainerName": "db", "Condition": "HEALTHY"}]
    assert app["ReadonlyRootFilesystem"] is True
    assert app["MountPoints"] == [
        {"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "tmp"}
    ]
    assert app["LogConfiguration"]["LogDriver"] == "awslogs"
    assert app["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "LogGroup"}


def test_app_image_is_built_from_the_dockerfile(synth: Synthesized, outdir: Path) -> None:
    assert "container-assets" in synth.containers()["app"]["Image"]["Fn::Sub"]
    manifest = json.loads((outdir / f"{synth.stack.stack_name}.assets.json").read_text())
    [image] = manifest["dockerImages"].values()
    assert image["source"]["platform"] == "linux/amd64"
    # The build context is what .dockerignore lets through: no virtualenv, tests or infra.
    context = outdir / image["source"]["directory"]
    names = {p.name for p in context.iterdir()} - {"README.md"}
    assert names == {
        ".dockerignore",
        "Dockerfile",
        "pyproject.toml",
        "requirements.lock",
        "build-requirements.lock",
        "src",
    }
    assert not list(context.glob("src/*.egg-info"))
    assert not list(context.rglob("__pycache__"))


def test_db_container(synth: Synthesized) -> None:
    db = synth.containers()["db"]
    reference, digest = db["Image"].split("@")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)  # pinned by digest
    repository, tag = reference.rsplit(":", 1)
    assert repository.endswith("/postgres")
    major, minor = tag.split("-")[0].split(".")  # and a minor release, for people to read
    assert (major.isdigit(), minor.isdigit()) == (True, True)
    assert db["Essential"] is True
    assert db["User"] == "999:999"
    assert {e["Name"]: e["Value"] for e in db["Environment"]} == {
        "POSTGRES_USER": "todo",
        "POSTGRES_DB": "todo",
        "PGDATA": "/var/lib/postgresql/data/pgdata",
    }
    assert [s["Name"] for s in db["Secrets"]] == ["POSTGRES_PASSWORD"]
    assert db["HealthCheck"]["Command"][0] == "CMD-SHELL"
    assert db["HealthCheck"]["Command"][1].startswith("pg_isready ")
    # Read-only but for its data, its socket directory and /tmp (task-local volumes).
    assert db["ReadonlyRootFilesystem"] is True
    assert db["MountPoints"] == [
        {"ContainerPath": "/var/lib/postgresql/data", "ReadOnly": False, "SourceVolume": "pgdata"},
        {"ContainerPath": "/var/run/postgresql", "ReadOnly": False, "SourceVolume": "pgrun"},
        {"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "pgtmp"},
    ]
    volumes = synth.resources["TaskDefinition"]["Properties"]["Volumes"]
    assert {"Name": "pgrun"} in volumes
    assert {"Name": "pgtmp"} in volumes
    assert db["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "db"


def test_log_group_has_retention(synth: Synthesized) -> None:
    assert synth.resources["LogGroup"]["Properties"]["RetentionInDays"] == 30


def test_one_task_and_stop_before_start_deployments(synth: Synthesized) -> None:
    service = synth.resources["Service"]["Properties"]
    assert service["DesiredCount"] == 1
    deployment = service["DeploymentConfiguration"]
    assert deployment["MinimumHealthyPercent"] == 0
    assert deployment["MaximumPercent"] == 100
    assert service["AvailabilityZoneRebalancing"] == "DISABLED"
    synth.template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)


def test_circuit_breaker_rolls_back_and_grace_period(synth: Synthesized) -> None:
    service = synth.resources["Service"]["Properties"]
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    assert service["HealthCheckGracePeriodSeconds"] == 60


def test_service_runs_in_private_subnets_behind_the_target_group(synth: Synthesized) -> None:
    service = synth.resources["Service"]["Properties"]
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    private_subnet_ids = {
        k
        for k, v in synth.of_type("AWS::EC2::Subnet").items()
        if not v["Properties"]["MapPublicIpOnLaunch"]
    }
    assert {s["Ref"] for s in network["Subnets"]} == private_subnet_ids
    assert service["LoadBalancers"] == [
        {"ContainerName": "app", "ContainerPort": 5000, "TargetGroupArn": {"Ref": "TargetGroup"}}
    ]
    assert "OriginListenerRule" in synth.resources["Service"]["DependsOn"]


# --- sidecar database ---


def test_efs_encrypted_backed_up_and_retained(synth: Synthesized) -> None:
    file_system = synth.resources["FileSystem"]
    assert file_system["DeletionPolicy"] == "Retain"
    assert file_system["Properties"]["Encrypted"] is True
    assert file_system["Properties"]["BackupPolicy"] == {"Status": "ENABLED"}
    statements = file_system["Properties"]["FileSystemPolicy"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    mount_targets = synth.of_type("AWS::EFS::MountTarget")
    assert len(mount_targets) == 2
    # Tasks start only once their volume can be mounted.
    assert set(mount_targets) <= set(synth.resources["Service"]["DependsOn"])


def test_efs_access_point_owned_by_postgres_and_mounted_with_tls_and_iam(
    synth: Synthesized,
) -> None:
    access_point = synth.resources["AccessPoint"]["Properties"]
    assert access_point["PosixUser"] == {"Uid": "999", "Gid": "999"}
    assert access_point["RootDirectory"]["Path"] == "/pgdata"
    assert access_point["RootDirectory"]["CreationInfo"]["Permissions"] == "700"
    volumes = {v["Name"]: v for v in synth.resources["TaskDefinition"]["Properties"]["Volumes"]}
    assert volumes["pgdata"]["EFSVolumeConfiguration"] == {
        "FilesystemId": {"Ref": "FileSystem"},
        "TransitEncryption": "ENABLED",
        "AuthorizationConfig": {"AccessPointId": {"Ref": "AccessPoint"}, "IAM": "ENABLED"},
    }


def test_task_role_may_mount_and_write_through_the_access_point_only(
    synth: Synthesized,
) -> None:
    [policy] = [
        v["Properties"]["PolicyDocument"]["Statement"]
        for k, v in synth.of_type("AWS::IAM::Policy").items()
        if k.startswith("ServiceTaskDefinitionTaskRole")
    ]
    [statement] = policy
    assert statement["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    # The ARN is built from the file system's id (LocalStack's placeholder has no Arn).
    assert statement["Resource"]["Fn::Join"][1][-2:] == [":file-system/", {"Ref": "FileSystem"}]
    condition = statement["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"]
    assert condition["Fn::Join"][1][-1] == {"Ref": "AccessPoint"}


def test_efs_admits_nfs_only_from_the_service(synth: Synthesized) -> None:
    efs_group = {"Fn::GetAtt": ["FileSystemSecurityGroup", "GroupId"]}
    ingress = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == efs_group
    ]
    assert [(r["FromPort"], r["SourceSecurityGroupId"]) for r in ingress] == [
        (2049, {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]})
    ]
    assert "SecurityGroupIngress" not in synth.resources["FileSystemSecurityGroup"]["Properties"]


def test_no_rds_in_sidecar_mode(synth: Synthesized) -> None:
    synth.template.resource_count_is("AWS::RDS::DBInstance", 0)


def test_database_secrets_are_generated_and_never_plaintext(synth: Synthesized) -> None:
    for logical_id, user in (("DatabaseSecret", "todo"), ("DatabaseRuntimeSecret", "todo_app")):
        secret = synth.resources[logical_id]
        assert secret["DeletionPolicy"] == "Retain"
        generate = secret["Properties"]["GenerateSecretString"]
        assert generate["GenerateStringKey"] == "password"
        assert generate["SecretStringTemplate"] == f'{{"username": "{user}"}}'
    no_plaintext_secrets(synth)


def test_outputs(synth: Synthesized) -> None:
    assert set(synth.outputs) >= {"LoadBalancerUrl", "ClusterName", "ServiceName", "LogGroupName"}
    assert synth.outputs["LoadBalancerUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": ["Distribution", "DomainName"]}]]
    }
    assert synth.outputs["ClusterName"]["Value"] == {"Ref": "Cluster"}
    assert synth.outputs["ServiceName"]["Value"] == {"Fn::GetAtt": ["Service", "Name"]}
    assert synth.outputs["LogGroupName"]["Value"] == {"Ref": "LogGroup"}
    assert synth.outputs["DatabaseMode"]["Value"] == "sidecar"
    assert synth.outputs["AuthMode"]["Value"] == "accounts"


# --- checks ---


def test_cdk_nag_aws_solutions_has_no_unacknowledged_finding(synth: Synthesized) -> None:
    synth.assert_aws_solutions_clean()


def test_accounts_mode_carries_no_open_list_warning(synth: Synthesized) -> None:
    found = Annotations.from_stack(synth.stack).find_warning("*", Match.any_value())
    assert not [w for w in found if "authMode=open" in str(w.entry.data)]


def test_each_acknowledgment_is_expected_and_has_a_reason(synth: Synthesized) -> None:
    acknowledged = synth.acknowledgments("AwsSolutions-")
    assert set(acknowledged) == {
        "AwsSolutions-S1",
        "AwsSolutions-SMG4",
        "AwsSolutions-ECS2",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-CFR1",
        "AwsSolutions-CFR3",
        "AwsSolutions-CFR4",
        "AwsSolutions-CFR5",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
    }
    assert all(len(reason) > 40 for reason in acknowledged.values()), acknowledged

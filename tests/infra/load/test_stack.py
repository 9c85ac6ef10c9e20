"""The load generators' stack (`-c loadGenerators=true`): one Fargate task of a Locust master
and its workers, aimed at the service stack's load balancer, reports to an encrypted bucket."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synthesized, synthesize

SERVICE_URL = {"Fn::ImportValue": "TodoAsync-LoadBalancerUrl"}


@pytest.fixture(scope="module")
def synth(outdir: Path) -> Synthesized:
    return synthesize(
        outdir, "Load", loadGenerators="true", loadArgs="-u 300 --step-users 100 --max-p99 250"
    )


def only(synth: Synthesized, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = synth.of_type(resource_type).items()
    return logical_id, resource["Properties"]


def containers(synth: Synthesized) -> dict[str, dict[str, Any]]:
    _, task = only(synth, "AWS::ECS::TaskDefinition")
    return {c["Name"]: c for c in task["ContainerDefinitions"]}


def test_the_stack_exists_only_when_asked_for(tmp_path: Path) -> None:
    with pytest.raises(AssertionError):
        synthesize(tmp_path, "Load")


def test_one_task_of_a_master_and_three_workers(synth: Synthesized) -> None:
    _, task = only(synth, "AWS::ECS::TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("4096", "8192")
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert list(containers(synth)) == ["master", "worker1", "worker2", "worker3"]
    assert not synth.of_type("AWS::ECS::Service")


def test_the_master_runs_the_profile_against_the_service_and_reports_to_s3(
    synth: Synthesized,
) -> None:
    bucket_id, _ = only(synth, "AWS::S3::Bucket")
    master = containers(synth)["master"]
    assert master["Essential"] is True
    assert master["Command"] == [
        *("--profile", "step", "--host", SERVICE_URL),
        *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", "5557"),
        *("--expect-workers", "3"),
        "--results-s3",
        {"Fn::Join": ["", ["s3://", {"Ref": bucket_id}, "/reports"]]},
        *("-u", "300", "--step-users", "100", "--max-p99", "250"),
    ]
    assert master["StopTimeout"] == 120
    # The workers' port, declared but reached only inside the task.
    assert master["PortMappings"] == [{"ContainerPort": 5557, "Protocol": "tcp"}]


def test_workers_join_the_master_inside_the_task(synth: Synthesized) -> None:
    for name in ("worker1", "worker2", "worker3"):
        worker = containers(synth)[name]
        assert worker["Command"] == [
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            "5557",
        ]
        # A lost worker fails the run on the master; it does not stop the task.
        assert worker["Essential"] is False
        assert worker["DependsOn"] == [{"Condition": "START", "ContainerName": "master"}]


def test_read_only_roots_with_scratch_volumes_and_logs(synth: Synthesized) -> None:
    log_group_id, log_group = only(synth, "AWS::Logs::LogGroup")
    assert log_group["RetentionInDays"] == 30
    for name, container in containers(synth).items():
        assert container["ReadonlyRootFilesystem"] is True
        mounts = {m["ContainerPath"]: m["SourceVolume"] for m in container["MountPoints"]}
        assert mounts == (
            {"/tmp": "tmp", "/results": "results"} if name == "master" else {"/tmp": "tmp"}
        )
        assert container["LogConfiguration"]["LogDriver"] == "awslogs"
        assert container["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": log_group_id}
        assert "Environment" not in container
        assert "Secrets" not in container


def test_the_image_is_built_from_loadtest_dockerfile(synth: Synthesized, outdir: Path) -> None:
    master = containers(synth)["master"]
    assert "container-assets" in master["Image"]["Fn::Sub"]
    assert all(c["Image"] == master["Image"] for c in containers(synth).values())
    manifest = json.loads((outdir / f"{synth.stack.stack_name}.assets.json").read_text())
    [image] = manifest["dockerImages"].values()
    assert image["source"]["platform"] == "linux/amd64"
    context = outdir / image["source"]["directory"]
    names = {p.name for p in context.iterdir()}
    assert {
        "Dockerfile",
        "requirements.lock",
        "__main__.py",
        "locustfile.py",
        "publish.py",
    } <= names
    assert "__pycache__" not in names


def test_an_image_reference_replaces_the_asset(tmp_path: Path) -> None:
    reference = "registry.example/todo-async-load:1"
    other = synthesize(
        tmp_path, "Load", loadGenerators="true", loadImage=reference, loadWorkers="1"
    )
    assert [c["Image"] for c in containers(other).values()] == [reference, reference]


def test_results_bucket_encrypted_private_ssl_only_and_retained(synth: Synthesized) -> None:
    bucket_id, bucket = only(synth, "AWS::S3::Bucket")
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert synth.resources[bucket_id]["DeletionPolicy"] == "Retain"
    _, policy = only(synth, "AWS::S3::BucketPolicy")
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_task_may_only_write_reports(synth: Synthesized) -> None:
    bucket_id, _ = only(synth, "AWS::S3::Bucket")
    policies = {
        logical_id: resource["Properties"]
        for logical_id, resource in synth.of_type("AWS::IAM::Policy").items()
        if "TaskRole" in logical_id
    }
    [policy] = policies.values()
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/reports/*"]]},
        }
    ]


def test_nothing_reaches_the_task(synth: Synthesized) -> None:
    _, group = only(synth, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in group
    assert not synth.of_type("AWS::EC2::SecurityGroupIngress")
    assert group["VpcId"] == {"Fn::ImportValue": "TodoAsync-VpcId"}


def test_everything_of_the_service_is_read_from_its_named_exports(synth: Synthesized) -> None:
    """Fn::ImportValue, which CloudFormation and LocalStack both resolve; no weak reference
    (Fn::GetStackOutput), which only CloudFormation does."""
    template = json.dumps(synth.template.to_json())
    assert "Fn::GetStackOutput" not in template
    imported = set(re.findall(r'"Fn::ImportValue": "([^"]+)"', template))
    assert imported == {
        "TodoAsync-VpcId",
        "TodoAsync-PrivateSubnetIds",
        "TodoAsync-LoadBalancerUrl",
    }


def test_outputs_say_how_to_run_it_and_where_reports_land(synth: Synthesized) -> None:
    assert set(synth.outputs) == {
        "RunTaskCommand",
        "ReportsLocation",
        "ClusterName",
        "TaskDefinitionArn",
        "LogGroupName",
    }
    command = json.dumps(synth.outputs["RunTaskCommand"]["Value"])
    for part in ("aws ecs run-task --cluster ", "--launch-type FARGATE", "assignPublicIp=DISABLED"):
        assert part in command
    assert 'subnets=[", {"Fn::ImportValue": "TodoAsync-PrivateSubnetIds"}, "],' in command


def test_cdk_nag_aws_solutions_has_no_unacknowledged_finding(synth: Synthesized) -> None:
    synth.assert_aws_solutions_clean()


def test_each_acknowledgment_is_expected_and_has_a_reason(synth: Synthesized) -> None:
    bucket_id, _ = only(synth, "AWS::S3::Bucket")
    acknowledged = synth.acknowledgments("AwsSolutions-")
    assert set(acknowledged) == {
        "AwsSolutions-S1",
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/reports/*]",
        "AwsSolutions-IAM5[Resource::*]",
    }
    assert all(len(reason) > 40 for reason in acknowledged.values()), acknowledged

"""What the stack declares is what LocalStack holds: network, security groups, the secret,
the log group, and the running app's log events in that group (shipped as awslogs does)."""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from standin.paths import CDK_CONTEXT, REPO

from tests.integration.app_logs import app_log_events
from tests.integration.conftest import Standin
from tests.integration.viewers import Viewers, fresh_address


@pytest.fixture(scope="module")
def resources(aws: Callable[[str], Any], outputs: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Logical id -> {type, id} for every resource of the deployed stack."""
    cloudformation = aws("cloudformation")
    pages = cloudformation.get_paginator("list_stack_resources").paginate(
        StackName=outputs["StackName"]
    )
    return {
        summary["LogicalResourceId"]: {
            "type": summary["ResourceType"],
            "id": summary.get("PhysicalResourceId", ""),
            "status": summary["ResourceStatus"],
        }
        for page in pages
        for summary in page["StackResourceSummaries"]
    }


def of_type(resources: dict[str, dict[str, str]], resource_type: str) -> list[str]:
    return [r["id"] for r in resources.values() if r["type"] == resource_type]


def test_stack_is_deployed(aws: Callable[[str], Any], outputs: dict[str, Any]) -> None:
    stack = aws("cloudformation").describe_stacks(StackName=outputs["StackName"])["Stacks"][0]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def test_vpc_with_four_24_subnets_over_two_zones(
    aws: Callable[[str], Any], resources: dict[str, dict[str, str]]
) -> None:
    ec2 = aws("ec2")
    vpc_id = resources["Vpc"]["id"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert len(subnets) == 4
    vpc = ipaddress.ip_network("10.0.0.0/16")
    networks = [ipaddress.ip_network(s["CidrBlock"]) for s in subnets]
    assert all(n.prefixlen == 24 and n.subnet_of(vpc) for n in networks)
    assert len({s["AvailabilityZone"] for s in subnets}) == 2
    public = [s for s in subnets if s["MapPublicIpOnLaunch"]]
    assert len(public) == 2
    assert set(of_type(resources, "AWS::EC2::Subnet")) == {s["SubnetId"] for s in subnets}
    assert len(of_type(resources, "AWS::EC2::InternetGateway")) == 1


def test_nat_gateways_in_public_subnets_on_the_preallocated_eips(
    aws: Callable[[str], Any], resources: dict[str, dict[str, str]]
) -> None:
    ec2 = aws("ec2")
    vpc_id = resources["Vpc"]["id"]
    gateways = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "NatGateways"
    ]
    expected = json.loads((REPO / "cdk.json").read_text())["context"]["natGateways"]
    assert len(gateways) == expected
    assert all(g["State"] == "available" for g in gateways)
    public = {
        s["SubnetId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        if s["MapPublicIpOnLaunch"]
    }
    assert {g["SubnetId"] for g in gateways} == public
    context = CDK_CONTEXT.read_text().split()
    given = next(v.split("=", 1)[1] for v in context if v.startswith("natEipAllocationIds="))
    used = {a["AllocationId"] for g in gateways for a in g["NatGatewayAddresses"]}
    assert used == set(given.split(","))


def test_security_groups_declared_and_created(
    aws: Callable[[str], Any], resources: dict[str, dict[str, str]], template: dict[str, Any]
) -> None:
    """The groups exist in EC2. Their rules are checked in the deployed template: LocalStack's
    free edition creates the groups but does not record their ingress rules."""
    groups = {
        g["GroupId"]: g
        for g in aws("ec2").describe_security_groups(
            GroupIds=[
                resources[name]["id"]
                for name in ("LoadBalancerSecurityGroup", "ServiceSecurityGroup")
            ]
        )["SecurityGroups"]
    }
    assert len(groups) == 2

    declared = template["Resources"]
    # Port 80 from CloudFront's origin-facing prefix list only (the local deploy gives an id).
    assert "SecurityGroupIngress" not in declared["LoadBalancerSecurityGroup"]["Properties"]
    alb_ingress = [
        r["Properties"]
        for r in declared.values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
        and r["Properties"]["GroupId"] == {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]}
    ]
    assert [(r["IpProtocol"], r["FromPort"], r["SourcePrefixListId"]) for r in alb_ingress] == [
        ("tcp", 80, "pl-00000000000000000")
    ]
    service_ingress = [
        r["Properties"]
        for r in declared.values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
        and r["Properties"]["GroupId"] == {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]}
    ]
    assert service_ingress == [
        {
            "Description": "Load balancer to target",
            "FromPort": 5000,
            "ToPort": 5000,
            "IpProtocol": "tcp",
            "GroupId": {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]},
        }
    ]


def test_database_secret_holds_generated_credentials(
    aws: Callable[[str], Any], outputs: dict[str, Any], template: dict[str, Any]
) -> None:
    secret = aws("secretsmanager").get_secret_value(SecretId=outputs["DatabaseSecretArn"])
    value = json.loads(secret["SecretString"])
    assert value["username"] == "todo"
    assert len(value["password"]) == 32
    assert value["password"].isalnum()
    assert value["password"] not in json.dumps(template)


def test_app_log_events_reach_the_stack_log_group(
    aws: Callable[[str], Any],
    outputs: dict[str, Any],
    template: dict[str, Any],
    viewers: Viewers,
    credentials: dict[str, str],
    standin: Standin,
) -> None:
    logs = aws("logs")
    group = outputs["LogGroupName"]
    assert [
        g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    ] == [group]
    assert template["Resources"]["LogGroup"]["Properties"]["RetentionInDays"] == 30

    # A client address claimed in X-Forwarded-For: behind CloudFront the app believes the
    # viewer address the front door names (CloudFront-Viewer-Address), so this viewer's own
    # address is logged, with either runtime.
    request_id = uuid.uuid4().hex
    address = fresh_address()
    with viewers.client(address=address, headers=credentials) as client:
        response = client.get(
            "/api/todos",
            params={"limit": 1},
            headers={"X-Request-Id": request_id, "X-Forwarded-For": "203.0.113.7"},
        )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id

    events = app_log_events(aws, outputs, standin, lambda message: request_id in message)
    assert len(events) == 1, f"no log event for request {request_id} in {group}"
    line = json.loads(events[0]["message"])
    assert line["request_id"] == request_id
    assert line["path"] == "/api/todos"
    assert line["status"] == 200
    assert line["client"] == address

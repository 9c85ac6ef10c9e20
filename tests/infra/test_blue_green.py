"""Deployments: blue/green in rds mode (a second target group, the production rule and a
test listener moved by weight, a bake time, alarms that roll back, the circuit breaker
kept); rolling with the same alarms in sidecar mode, whose one task owns the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import WEIGHTED_FORWARD, Synthesized, synthesize

DEPLOYMENT_ALARMS = {
    "Enable": True,
    "Rollback": True,
    "AlarmNames": [
        "TodoAsync-TargetServerErrors",
        "TodoAsync-LoadBalancerServerErrors",
        "TodoAsync-LatencyP99",
    ],
}
ORIGIN_HEADER = "X-Origin-Verify"


def load_balancer_ingress(synth: Synthesized) -> list[dict[str, Any]]:
    """The load balancer security group's rules, inline and as their own resources."""
    group = synth.resources["LoadBalancerSecurityGroup"]["Properties"]
    separate = [
        rule["Properties"]
        for rule in synth.of_type("AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]}
    ]
    return [*group.get("SecurityGroupIngress", []), *separate]


def deployment(synth: Synthesized) -> dict[str, Any]:
    return dict(synth.resources["Service"]["Properties"]["DeploymentConfiguration"])


def test_rds_deploys_blue_green_with_a_bake_and_rollback_alarms(rds: Synthesized) -> None:
    config = deployment(rds)
    assert config["Strategy"] == "BLUE_GREEN"
    assert config["BakeTimeInMinutes"] == 10
    assert config["Alarms"] == DEPLOYMENT_ALARMS
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_rds_service_names_the_alternate_group_and_both_rules(rds: Synthesized) -> None:
    [load_balancer] = rds.resources["Service"]["Properties"]["LoadBalancers"]
    assert load_balancer["TargetGroupArn"] == {"Ref": "TargetGroup"}
    advanced = load_balancer["AdvancedConfiguration"]
    assert advanced["AlternateTargetGroupArn"] == {"Ref": "AlternateTargetGroup"}
    assert advanced["ProductionListenerRule"] == {"Ref": "OriginListenerRule"}
    assert advanced["TestListenerRule"] == {"Ref": "TestListenerRule"}
    role = rds.resources[advanced["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ecs.amazonaws.com"
    }


def test_both_target_groups_check_health_alike(rds: Synthesized) -> None:
    live, alternate = (
        rds.resources[g]["Properties"] for g in ("TargetGroup", "AlternateTargetGroup")
    )
    assert live == alternate


def test_production_rule_keeps_the_origin_header_and_forwards_by_weight(rds: Synthesized) -> None:
    rule = rds.resources["OriginListenerRule"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "HttpListener"}
    [condition] = rule["Conditions"]
    assert condition["HttpHeaderConfig"]["HttpHeaderName"] == ORIGIN_HEADER
    assert rule["Actions"] == [WEIGHTED_FORWARD]


def test_test_listener_is_closed_to_the_internet(rds: Synthesized) -> None:
    listener = rds.resources["TestListener"]["Properties"]
    assert (listener["Port"], listener["Protocol"]) == (8080, "HTTP")
    assert listener["DefaultActions"][0]["Type"] == "fixed-response"
    rule = rds.resources["TestListenerRule"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "TestListener"}
    # The same secret header as production: CloudFront's addresses alone would not do.
    assert rule["Conditions"] == rds.resources["OriginListenerRule"]["Properties"]["Conditions"]
    assert rule["Actions"] == [WEIGHTED_FORWARD]
    assert [rule["FromPort"] for rule in load_balancer_ingress(rds)] == [80]


@pytest.fixture(scope="module")
def open_test_port(outdir: Path) -> Synthesized:
    return synthesize(outdir, database="rds", testListenerCidr="192.0.2.0/24", bakeMinutes="0")


def test_test_listener_cidr_opens_the_test_port_and_bake_time_is_an_option(
    open_test_port: Synthesized,
) -> None:
    [tester] = [rule for rule in load_balancer_ingress(open_test_port) if rule["FromPort"] == 8080]
    assert (tester["CidrIp"], tester["ToPort"]) == ("192.0.2.0/24", 8080)
    assert deployment(open_test_port)["BakeTimeInMinutes"] == 0


def test_sidecar_stays_rolling_with_the_same_rollback_alarms(sidecar: Synthesized) -> None:
    config = deployment(sidecar)
    assert config["Strategy"] == "ROLLING"
    assert "BakeTimeInMinutes" not in config
    assert config["Alarms"] == DEPLOYMENT_ALARMS
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    [load_balancer] = sidecar.resources["Service"]["Properties"]["LoadBalancers"]
    assert "AdvancedConfiguration" not in load_balancer
    assert "AlternateTargetGroup" not in sidecar.resources
    assert "TestListener" not in sidecar.resources


def test_cdk_nag_is_clean_and_the_ecs_role_acknowledged(rds: Synthesized) -> None:
    rds.assert_aws_solutions_clean()
    acknowledged = rds.acknowledgments("AwsSolutions-IAM4")
    [reason] = [
        reason
        for rule, reason in acknowledged.items()
        if "AmazonECSInfrastructureRolePolicyForLoadBalancers" in rule
    ]
    assert "blue/green" in reason

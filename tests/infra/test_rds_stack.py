"""database=rds with every other option switched too: an image reference instead of the asset,
one NAT gateway on a pre-allocated Elastic IP, HTTPS with a certificate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.conftest import (
    WEIGHTED_FORWARD,
    Synthesized,
    no_plaintext_secrets,
    synthesize,
)

IMAGE = "registry.example/todo-async:1.2.3"
EIP = "eipalloc-0123456789abcdef0"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"


@pytest.fixture(scope="module")
def synth(outdir: Path) -> Synthesized:
    return synthesize(
        outdir,
        database="rds",
        image=IMAGE,
        natGateways="1",
        natEipAllocationIds=EIP,
        certificateArn=CERTIFICATE,
        desiredCount="3",
        maxCapacity="8",
    )


def test_one_nat_gateway_on_the_given_elastic_ip(synth: Synthesized) -> None:
    synth.template.resource_count_is("AWS::EC2::EIP", 0)
    [nat] = synth.of_type("AWS::EC2::NatGateway").values()
    assert nat["Properties"]["AllocationId"] == EIP
    nat_routes = [
        r for r in synth.of_type("AWS::EC2::Route").values() if "NatGatewayId" in r["Properties"]
    ]
    assert len(nat_routes) == 2  # both private subnets share it


def test_app_uses_the_image_reference_and_no_database_container(synth: Synthesized) -> None:
    containers = synth.containers()
    assert set(containers) == {"app"}
    app = containers["app"]
    assert app["Image"] == IMAGE
    assert "DependsOn" not in app
    assert synth.resources["TaskDefinition"]["Properties"]["Volumes"] == [{"Name": "tmp"}]


def test_database_url_points_at_the_instance_over_tls(synth: Synthesized) -> None:
    environment = {e["Name"]: e["Value"] for e in synth.containers()["app"]["Environment"]}
    for variable, user in (("DATABASE_URL", "todo_app"), ("MIGRATION_DATABASE_URL", "todo")):
        assert environment[variable] == {
            "Fn::Join": [
                "",
                [
                    f"postgresql://{user}@",
                    {"Fn::GetAtt": ["DatabaseInstance", "Endpoint.Address"]},
                    ":5432/todo?ssl=verify-full",
                ],
            ]
        }
    # Checked against the RDS certificate authorities the image carries.
    assert environment["PGSSLROOTCERT"] == "/etc/ssl/rds/global-bundle.pem"


def test_the_service_runs_accounts_mode(synth: Synthesized) -> None:
    environment = {e["Name"]: e["Value"] for e in synth.containers()["app"]["Environment"]}
    assert environment["AUTH_MODE"] == "accounts"
    assert synth.outputs["AuthMode"]["Value"] == "accounts"


def test_rds_postgres_private_encrypted_backed_up(synth: Synthesized) -> None:
    instance = synth.resources["DatabaseInstance"]
    assert instance["DeletionPolicy"] == "Snapshot"
    properties = instance["Properties"]
    assert properties["Engine"] == "postgres"
    assert properties["EngineVersion"].startswith("17")
    assert properties["DBInstanceClass"] == "db.t4g.micro"
    assert properties["StorageEncrypted"] is True
    assert properties["BackupRetentionPeriod"] == 7
    assert properties["PubliclyAccessible"] is False
    assert properties["DeletionProtection"] is True
    assert properties["MultiAZ"] is False
    assert "DatabaseInstance" in synth.resources["Service"]["DependsOn"]
    [subnet_group] = synth.of_type("AWS::RDS::DBSubnetGroup").values()
    private_subnet_ids = {
        k
        for k, v in synth.of_type("AWS::EC2::Subnet").items()
        if not v["Properties"]["MapPublicIpOnLaunch"]
    }
    assert {s["Ref"] for s in subnet_group["Properties"]["SubnetIds"]} == private_subnet_ids


def test_rds_credentials_come_from_the_secret(synth: Synthesized) -> None:
    properties = synth.resources["DatabaseInstance"]["Properties"]
    assert properties["MasterUserPassword"] == {
        "Fn::Join": [
            "",
            ["{{resolve:secretsmanager:", {"Ref": "DatabaseSecret"}, ":SecretString:password::}}"],
        ]
    }
    synth.template.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 1)
    no_plaintext_secrets(synth)


def test_rds_reachable_only_from_the_service(synth: Synthesized) -> None:
    database_group = {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}
    ingress = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == database_group
    ]
    assert [r["SourceSecurityGroupId"] for r in ingress] == [
        {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]}
    ]
    assert "SecurityGroupIngress" not in synth.resources["DatabaseSecurityGroup"]["Properties"]


def test_no_efs_in_rds_mode(synth: Synthesized) -> None:
    synth.template.resource_count_is("AWS::EFS::FileSystem", 0)


def test_desired_count_and_rolling_deployments(synth: Synthesized) -> None:
    service = synth.resources["Service"]["Properties"]
    assert service["DesiredCount"] == 3
    deployment = service["DeploymentConfiguration"]
    assert deployment["MinimumHealthyPercent"] == 100
    assert deployment["MaximumPercent"] == 200
    assert service["AvailabilityZoneRebalancing"] == "ENABLED"
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_auto_scaling_on_cpu_and_requests_per_task(synth: Synthesized) -> None:
    [target] = synth.of_type("AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (3, 8)
    configurations = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in synth.of_type("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]
    [cpu] = [c for c in configurations if "PredefinedMetricSpecification" in c]
    assert cpu["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "ECSServiceAverageCPUUtilization"
    )
    assert cpu["TargetValue"] == 60
    [requests] = [c for c in configurations if "CustomizedMetricSpecification" in c]
    assert requests["TargetValue"] == 30000


def test_request_scaling_sums_both_target_groups(synth: Synthesized) -> None:
    """Blue/green alternates the live target group: the policy follows both, each named by
    its FullName attribute (LocalStack's placeholder answers it; an ARN split would fail)."""
    [configuration] = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in synth.of_type("AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if "CustomizedMetricSpecification"
        in p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    ]
    queries = {q["Id"]: q for q in configuration["CustomizedMetricSpecification"]["Metrics"]}
    assert queries["requests"]["Expression"] == "FILL(group0, 0) + FILL(group1, 0)"
    assert queries["requests"]["ReturnData"] is True
    for query_id, group in (("group0", "TargetGroup"), ("group1", "AlternateTargetGroup")):
        stat = queries[query_id]["MetricStat"]
        assert stat["Stat"] == "Sum"
        assert stat["Metric"] == {
            "Namespace": "AWS/ApplicationELB",
            "MetricName": "RequestCountPerTarget",
            "Dimensions": [
                {"Name": "TargetGroup", "Value": {"Fn::GetAtt": [group, "TargetGroupFullName"]}}
            ],
        }


def test_https_listener_forwards_by_a_rule_and_http_redirects(synth: Synthesized) -> None:
    https = synth.resources["HttpsListener"]["Properties"]
    assert (https["Port"], https["Protocol"]) == (443, "HTTPS")
    assert https["Certificates"] == [{"CertificateArn": CERTIFICATE}]
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    # Blue/green moves production traffic by a rule's weights, so the rule forwards.
    assert https["DefaultActions"][0]["Type"] == "fixed-response"
    rule = synth.resources["ProductionListenerRule"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "HttpsListener"}
    assert rule["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}
    ]
    assert rule["Actions"] == [WEIGHTED_FORWARD]
    http = synth.resources["HttpListener"]["Properties"]
    assert http["Port"] == 80
    assert http["DefaultActions"] == [
        {
            "Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
        }
    ]
    group = synth.resources["LoadBalancerSecurityGroup"]["Properties"]
    assert sorted(r["FromPort"] for r in group["SecurityGroupIngress"]) == [80, 443]
    # The load balancer is the front door: no CloudFront, and no origin secret to check.
    synth.template.resource_count_is("AWS::CloudFront::Distribution", 0)
    for rule in synth.of_type("AWS::ElasticLoadBalancingV2::ListenerRule").values():
        assert [c["Field"] for c in rule["Properties"]["Conditions"]] == ["path-pattern"]
    assert synth.outputs["LoadBalancerUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}]]
    }


def test_https_test_listener_on_8443_under_the_certificate(synth: Synthesized) -> None:
    listener = synth.resources["TestListener"]["Properties"]
    assert (listener["Port"], listener["Protocol"]) == (8443, "HTTPS")
    assert listener["Certificates"] == [{"CertificateArn": CERTIFICATE}]
    assert listener["DefaultActions"][0]["Type"] == "fixed-response"
    rule = synth.resources["TestListenerRule"]["Properties"]
    assert rule["ListenerArn"] == {"Ref": "TestListener"}
    assert rule["Actions"] == [WEIGHTED_FORWARD]


def test_with_a_certificate_the_waf_guards_the_load_balancer(synth: Synthesized) -> None:
    [acl] = synth.of_type("AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Scope"] == "REGIONAL"
    [association] = synth.of_type("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"] == {
        "ResourceArn": {"Ref": "LoadBalancer"},
        "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
    }


def test_tasks_reach_out_only_to_the_database_and_https(synth: Synthesized) -> None:
    service_group = {"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]}
    egress = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == service_group
    ]
    assert [(e["FromPort"], e["DestinationSecurityGroupId"]) for e in egress] == [
        (
            {"Fn::GetAtt": ["DatabaseInstance", "Endpoint.Port"]},
            {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]},
        )
    ]
    inline = synth.resources["ServiceSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert [(r["CidrIp"], r["FromPort"]) for r in inline] == [("0.0.0.0/0", 443)]


def test_outputs(synth: Synthesized) -> None:
    assert set(synth.outputs) >= {"LoadBalancerUrl", "ClusterName", "ServiceName", "LogGroupName"}
    assert synth.outputs["DatabaseMode"]["Value"] == "rds"


def test_cdk_nag_aws_solutions_has_no_unacknowledged_finding(synth: Synthesized) -> None:
    synth.assert_aws_solutions_clean()


def test_each_acknowledgment_is_expected_and_has_a_reason(synth: Synthesized) -> None:
    acknowledged = synth.acknowledgments("AwsSolutions-")
    # No image asset, so no ECR wildcard to acknowledge.
    assert set(acknowledged) == {
        "AwsSolutions-S1",
        "AwsSolutions-EC23",
        "AwsSolutions-SMG4",
        "AwsSolutions-ECS2",
        "AwsSolutions-RDS3",
        "AwsSolutions-RDS11",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
        "AmazonECSInfrastructureRolePolicyForLoadBalancers]",
    }
    assert all(len(reason) > 40 for reason in acknowledged.values()), acknowledged

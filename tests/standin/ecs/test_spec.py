"""The service as the stand-in reads it from a deployed template (shaped like the CDK app's)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from standin.aws.stack import Stack
from standin.ecs.spec import FixedResponse, HeaderCondition, parse_service
from standin.errors import HarnessError

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:Db-AbCdEf"


def container(name: str, **properties: Any) -> dict[str, Any]:
    return {"Name": name, "Image": f"{name}:1", "Essential": True, **properties}


def template() -> dict[str, Any]:
    return {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "DatabaseSecret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
            "LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "TaskDefinition": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "Family": "todo",
                    "TaskRoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                    "ContainerDefinitions": [
                        container(
                            "app",
                            Image="todo-async:local",
                            Command=["todo-async", "serve", "--port", "5000"],
                            Environment=[
                                {
                                    "Name": "FORWARDED_ALLOW_IPS",
                                    "Value": {"Fn::GetAtt": ["Vpc", "CidrBlock"]},
                                },
                                {"Name": "REGION", "Value": {"Fn::Sub": "in ${AWS::Region}"}},
                            ],
                            Secrets=[
                                {
                                    "Name": "DATABASE_PASSWORD",
                                    "ValueFrom": {
                                        "Fn::Join": ["", [{"Ref": "DatabaseSecret"}, ":password::"]]
                                    },
                                }
                            ],
                            PortMappings=[{"ContainerPort": 5000, "Protocol": "tcp"}],
                            HealthCheck={"Command": ["CMD", "true"], "Interval": 10, "Retries": 3},
                            DependsOn=[{"ContainerName": "db", "Condition": "HEALTHY"}],
                            StopTimeout=30,
                            ReadonlyRootFilesystem=True,
                            LogConfiguration={
                                "LogDriver": "awslogs",
                                "Options": {
                                    "awslogs-group": {"Ref": "LogGroup"},
                                    "awslogs-stream-prefix": "app",
                                    "awslogs-region": {"Ref": "AWS::Region"},
                                },
                            },
                        ),
                        container(
                            "db",
                            Image="public.ecr.aws/docker/library/postgres:17",
                            User="999:999",
                            PortMappings=[{"ContainerPort": 5432}],
                            MountPoints=[
                                {
                                    "ContainerPath": "/var/lib/postgresql/data",
                                    "SourceVolume": "pgdata",
                                }
                            ],
                        ),
                    ],
                    "Volumes": [
                        {"Name": "pgdata", "EFSVolumeConfiguration": {"FilesystemId": "fs"}}
                    ],
                },
            },
            "LoadBalancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {
                    "LoadBalancerAttributes": [
                        {"Key": "idle_timeout.timeout_seconds", "Value": "45"}
                    ]
                },
            },
            "TargetGroup": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {
                    "Port": 5000,
                    "Protocol": "HTTP",
                    "HealthCheckPath": "/health",
                    "HealthCheckIntervalSeconds": 10,
                    "HealthyThresholdCount": 2,
                    "UnhealthyThresholdCount": 3,
                    "Matcher": {"HttpCode": "200"},
                    "TargetGroupAttributes": [
                        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}
                    ],
                },
            },
            "HttpListener": {
                "Type": "AWS::ElasticLoadBalancingV2::Listener",
                "Properties": {
                    "Port": 80,
                    "Protocol": "HTTP",
                    "LoadBalancerArn": {"Ref": "LoadBalancer"},
                    "DefaultActions": [
                        {"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}
                    ],
                },
            },
            "Service": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "DesiredCount": 2,
                    "TaskDefinition": {"Ref": "TaskDefinition"},
                    "HealthCheckGracePeriodSeconds": 60,
                    "DeploymentConfiguration": {
                        "MinimumHealthyPercent": 100,
                        "MaximumPercent": 200,
                    },
                    "LoadBalancers": [
                        {
                            "ContainerName": "app",
                            "ContainerPort": 5000,
                            "TargetGroupArn": {"Ref": "TargetGroup"},
                        }
                    ],
                },
            },
        }
    }


def stack(document: dict[str, Any]) -> Stack:
    return Stack(
        name="TodoAsync",
        id="arn:aws:cloudformation:us-east-1:000000000000:stack/TodoAsync/1",
        status="CREATE_COMPLETE",
        template=document,
        physical_ids={
            "Vpc": "vpc-1",
            "DatabaseSecret": SECRET_ARN,
            "LogGroup": "TodoAsync-LogGroup-1",
            "TargetGroup": "unknown",
            "LoadBalancer": "unknown",
        },
        parameters={},
        outputs={},
        region="us-east-1",
        account="000000000000",
        attribute_resolvers={"AWS::EC2::VPC": lambda _id, attribute, _physical: "10.0.0.0/16"},
    )


def test_service_read_from_the_template() -> None:
    service = parse_service(stack(template()))
    assert (service.desired_count, service.minimum_healthy_percent, service.maximum_percent) == (
        2,
        100,
        200,
    )
    assert service.health_check_grace_period == 60
    assert (service.container_name, service.container_port) == ("app", 5000)
    assert (service.listener.port, service.listener.protocol, service.idle_timeout) == (
        80,
        "HTTP",
        45,
    )
    group = service.target_group
    assert (group.health_check_path, group.interval, group.timeout) == ("/health", 10, 5)
    assert (group.healthy_threshold, group.unhealthy_threshold, group.matcher) == (2, 3, "200")
    assert group.deregistration_delay == 30

    definition = service.task_definition
    assert [c.name for c in definition.start_order()] == ["db", "app"]
    assert definition.persistent_volumes == frozenset({"pgdata"})
    assert definition.task_role is True
    app = definition.container("app")
    assert app.environment == {"FORWARDED_ALLOW_IPS": "10.0.0.0/16", "REGION": "in us-east-1"}
    assert app.secrets == {"DATABASE_PASSWORD": f"{SECRET_ARN}:password::"}
    assert app.ports == [5000]
    assert app.depends_on == [("db", "HEALTHY")]
    assert app.health_check is not None
    assert (app.health_check.interval, app.health_check.retries, app.health_check.timeout) == (
        10,
        3,
        5,
    )
    assert app.log is not None
    assert app.log.group == "TodoAsync-LogGroup-1"
    assert app.log.stream_name("app", "abc") == "app/app/abc"
    assert definition.container("db").mounts == {"/var/lib/postgresql/data": "pgdata"}
    assert (app.user, app.readonly_root_filesystem) == (None, True)
    db = definition.container("db")
    assert (db.user, db.readonly_root_filesystem) == ("999:999", False)


def test_intrinsics() -> None:
    deployed = stack(template())
    assert deployed.resolve({"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}) == "b"
    assert deployed.resolve({"Fn::GetAtt": ["DatabaseSecret", "Arn"]}) == SECRET_ARN
    assert deployed.resolve({"Fn::Sub": ["${X}-${AWS::AccountId}-${!Y}", {"X": "x"}]}) == (
        "x-000000000000-${Y}"
    )


def test_a_stack_without_one_service_is_refused() -> None:
    document = template()
    del document["Resources"]["Service"]
    with pytest.raises(HarnessError, match="0 ECS services"):
        parse_service(stack(document))


def test_a_dependency_cycle_is_refused() -> None:
    document = template()
    db = document["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][1]
    db["DependsOn"] = [{"ContainerName": "app", "Condition": "START"}]
    with pytest.raises(HarnessError, match="cycle"):
        parse_service(stack(document)).task_definition.start_order()


def test_a_task_definition_without_a_role() -> None:
    document = template()
    del document["Resources"]["TaskDefinition"]["Properties"]["TaskRoleArn"]
    assert parse_service(stack(document)).task_definition.task_role is False


def test_a_listener_forwarding_by_a_rule_behind_cloudfront() -> None:
    """Behind CloudFront the listener refuses by default and forwards through a rule that
    checks the origin secret header: the stand-in serves that listener."""
    document = template()
    resources = document["Resources"]
    listener = resources["HttpListener"]["Properties"]
    listener["DefaultActions"] = [
        {
            "Type": "fixed-response",
            "FixedResponseConfig": {
                "StatusCode": "403",
                "ContentType": "application/problem+json",
                "MessageBody": "{}",
            },
        }
    ]
    header = {"HttpHeaderName": "X-Origin-Verify", "Values": ["s3cret"]}
    resources["OriginListenerRule"] = {
        "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
        "Properties": {
            "ListenerArn": {"Ref": "HttpListener"},
            "Priority": 1,
            "Conditions": [{"Field": "http-header", "HttpHeaderConfig": header}],
            "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
        },
    }
    service = parse_service(stack(document))
    assert (service.listener.port, service.listener.protocol) == (80, "HTTP")
    assert service.listener.forward_if == (HeaderCondition("X-Origin-Verify", ("s3cret",)),)
    assert service.listener.refusal == FixedResponse(403, "application/problem+json", "{}")

    header["Values"] = ["s3cr*"]
    with pytest.raises(HarnessError, match="wildcards"):
        parse_service(stack(document))
    resources["OriginListenerRule"]["Properties"]["Conditions"] = [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}
    ]
    with pytest.raises(HarnessError, match="not emulated"):
        parse_service(stack(document))


def blue_green_template() -> dict[str, Any]:
    """Rds mode's shape: a second target group, a test listener on 8080, both listeners'
    rules forwarding by weight, the service naming both rules and deploying blue/green."""
    document = template()
    resources = document["Resources"]
    resources["HttpListener"]["Properties"]["DefaultActions"] = [
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}
    ]
    resources["AlternateTargetGroup"] = copy.deepcopy(resources["TargetGroup"])
    resources["TestListener"] = {
        "Type": "AWS::ElasticLoadBalancingV2::Listener",
        "Properties": {
            "Port": 8080,
            "Protocol": "HTTP",
            "DefaultActions": [
                {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}
            ],
        },
    }
    weighted = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": {"Ref": "TargetGroup"}, "Weight": 100},
                {"TargetGroupArn": {"Ref": "AlternateTargetGroup"}, "Weight": 0},
            ]
        },
    }
    for rule, listener in (("TestRule", "TestListener"), ("OriginListenerRule", "HttpListener")):
        resources[rule] = {
            "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
            "Properties": {
                "ListenerArn": {"Ref": listener},
                "Actions": [weighted],
                "Conditions": [
                    {
                        "Field": "http-header",
                        "HttpHeaderConfig": {
                            "HttpHeaderName": "X-Origin-Verify",
                            "Values": ["s3cret"],
                        },
                    }
                ],
            },
        }
    service = resources["Service"]["Properties"]
    [load_balancer] = service["LoadBalancers"]
    load_balancer["AdvancedConfiguration"] = {
        "AlternateTargetGroupArn": {"Ref": "AlternateTargetGroup"},
        "ProductionListenerRule": {"Ref": "OriginListenerRule"},
        "TestListenerRule": {"Ref": "TestRule"},
    }
    service["DeploymentConfiguration"] = {
        "Strategy": "BLUE_GREEN",
        "BakeTimeInMinutes": 2,
        "Alarms": {"Enable": True, "Rollback": True, "AlarmNames": ["A-5xx", "A-p99"]},
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
    }
    return document


def test_blue_green_serves_the_production_rule_not_the_test_listener() -> None:
    """Blue/green's test listener also forwards to the live target group (weighted): the
    listener served is the one of the rule the service names as production."""
    assert parse_service(stack(blue_green_template())).listener.port == 80


def test_blue_green_read_from_the_template() -> None:
    spec = parse_service(stack(blue_green_template()))
    assert spec.blue_green is not None
    assert spec.blue_green.alternate_target_group_id == "AlternateTargetGroup"
    assert spec.blue_green.test_listener.port == 8080
    assert spec.blue_green.test_listener.forward_if[0].values == ("s3cret",)
    assert spec.blue_green.bake_seconds == 120
    assert list(spec.target_groups) == ["TargetGroup", "AlternateTargetGroup"]
    assert spec.deployment_alarms == ("A-5xx", "A-p99")
    assert spec.circuit_breaker


def test_alarms_that_do_not_roll_back_are_not_deployment_alarms() -> None:
    document = blue_green_template()
    deployment = document["Resources"]["Service"]["Properties"]["DeploymentConfiguration"]
    deployment["Alarms"]["Rollback"] = False
    deployment["Strategy"] = "ROLLING"
    spec = parse_service(stack(document))
    assert (spec.blue_green, spec.deployment_alarms) == (None, ())
    assert list(spec.target_groups) == ["TargetGroup"]


def test_a_listener_that_never_forwards_to_the_service_is_refused() -> None:
    document = template()
    document["Resources"]["HttpListener"]["Properties"]["DefaultActions"] = [
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}
    ]
    with pytest.raises(HarnessError, match="no listener forwards"):
        parse_service(stack(document))

"""ELBv2's names for the placeholder load balancer and target group: the shapes CloudWatch's
AWS/ApplicationELB dimensions and ARNs use, stable for one stack and new for another."""

from __future__ import annotations

import re

from standin.alb import names
from standin.aws.stack import Stack


def stack(stack_id: str = "arn:aws:cloudformation:us-east-1:000000000000:stack/Todo/1") -> Stack:
    template = {
        "Resources": {
            "Balancer": {"Type": names.LOAD_BALANCER, "Properties": {"Type": "application"}},
            "Targets": {"Type": names.TARGET_GROUP, "Properties": {"Name": "todo-targets"}},
            "Alarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Dimensions": [
                        {
                            "Name": "LoadBalancer",
                            "Value": {"Fn::GetAtt": ["Balancer", "LoadBalancerFullName"]},
                        },
                        {
                            "Name": "TargetGroup",
                            "Value": {"Fn::GetAtt": ["Targets", "TargetGroupFullName"]},
                        },
                    ]
                },
            },
        }
    }
    physical = {"Balancer": "unknown", "Targets": "unknown", "Alarm": "Todo-Alarm-X"}
    return Stack(
        "TodoAsync",
        stack_id,
        "CREATE_COMPLETE",
        template,
        physical,
        {},
        {},
        "us-east-1",
        "000000000000",
    )


def test_full_names_have_elbv2_shapes() -> None:
    deployed = stack()
    balancer = names.full_name(deployed, "Balancer")
    group = names.full_name(deployed, "Targets")
    assert re.fullmatch(r"app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}", balancer)
    assert re.fullmatch(r"targetgroup/todo-targets/[0-9a-f]{16}", group)
    assert names.arn(deployed, "Balancer") == (
        f"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/{balancer}"
    )
    assert names.arn(deployed, "Targets").endswith(f":{group}")


def test_names_stable_for_a_stack_and_new_for_another() -> None:
    assert names.full_name(stack(), "Balancer") == names.full_name(stack(), "Balancer")
    again = stack("arn:aws:cloudformation:us-east-1:000000000000:stack/Todo/2")
    assert names.full_name(again, "Balancer") != names.full_name(stack(), "Balancer")


def test_template_dimensions_resolve_to_the_names() -> None:
    deployed = names.resolving(stack())
    dimensions = deployed.resolve(deployed.properties("Alarm")["Dimensions"])
    assert dimensions == [
        {"Name": "LoadBalancer", "Value": names.full_name(deployed, "Balancer")},
        {"Name": "TargetGroup", "Value": names.full_name(deployed, "Targets")},
    ]

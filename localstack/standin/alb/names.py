"""The names and ARNs ELBv2 gives a load balancer and a target group, for the placeholders
LocalStack's free edition deploys (their ARNs and attributes read `unknown`).

CloudWatch's AWS/ApplicationELB dimensions are the resources' full names: `LoadBalancer` is
`app/NAME/ID`, `TargetGroup` is `targetgroup/NAME/ID`, as in their ARNs. The stand-in answers
`Fn::GetAtt` on both types with names of that shape, so the stack's alarms, the metrics the
stand-in publishes and its status agree. The id is derived from the stack's id and the
logical id: stable while the stack lives, new when it is created anew, as on AWS.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..aws.stack import Stack
from ..errors import HarnessError

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
_NAME_LIMIT = 32  # both a load balancer's and a target group's name


def _resource_name(stack: Stack, logical_id: str) -> str:
    """The declared name, or one generated as CloudFormation does (stack and logical id
    prefixes and a random-looking suffix, within the 32 characters ELBv2 allows)."""
    declared = stack.properties(logical_id).get("Name")
    if declared:
        return str(stack.resolve(declared))
    suffix = _digest(stack, logical_id, "name")[:12].upper()
    return f"{stack.name[:8]}-{logical_id[:9]}-{suffix}"[:_NAME_LIMIT]


def _digest(stack: Stack, logical_id: str, purpose: str) -> str:
    return hashlib.sha256(f"{stack.id}/{logical_id}/{purpose}".encode()).hexdigest()


def full_name(stack: Stack, logical_id: str) -> str:
    """`app/NAME/ID` for a load balancer, `targetgroup/NAME/ID` for a target group."""
    kind = {LOAD_BALANCER: "app", TARGET_GROUP: "targetgroup"}.get(stack.type_of(logical_id))
    if kind is None:
        raise HarnessError(f"{logical_id} is neither a load balancer nor a target group")
    return f"{kind}/{_resource_name(stack, logical_id)}/{_digest(stack, logical_id, 'id')[:16]}"


def arn(stack: Stack, logical_id: str) -> str:
    resource = "loadbalancer/" if stack.type_of(logical_id) == LOAD_BALANCER else ""
    return (
        f"arn:aws:elasticloadbalancing:{stack.region}:{stack.account}:"
        f"{resource}{full_name(stack, logical_id)}"
    )


def attribute(stack: Stack, logical_id: str, name: str) -> Any:
    """`Fn::GetAtt` on a load balancer or target group, as ELBv2 answers it."""
    full = full_name(stack, logical_id)
    answers = {
        "LoadBalancerFullName": full,
        "TargetGroupFullName": full,
        "LoadBalancerName": full.split("/")[1],
        "TargetGroupName": full.split("/")[1],
        "LoadBalancerArn": arn(stack, logical_id),
        "TargetGroupArn": arn(stack, logical_id),
    }
    if name not in answers:
        raise HarnessError(f"Fn::GetAtt {logical_id}.{name} cannot be resolved locally")
    return answers[name]


def resolving(stack: Stack) -> Stack:
    """The stack, answering `Fn::GetAtt` on its load balancers and target groups."""

    def resolve(logical_id: str, name: str, _physical_id: str) -> Any:
        return attribute(resolver_stack, logical_id, name)

    resolver_stack = stack.with_attribute_resolver(LOAD_BALANCER, resolve)
    resolver_stack = resolver_stack.with_attribute_resolver(TARGET_GROUP, resolve)
    return resolver_stack
